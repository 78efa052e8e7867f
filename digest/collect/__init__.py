"""Collection: fetch (the only HTTP), parse, normalize (pure)."""
