"""Pure story clustering: items from different outlets about the same event become one story.

Method (measured on day windows of the UCI dev set not used for training: bench/README.md):

1. Text (``text``): the title, plus the summary's lead (up to its first full stop) at half
   weight, less its boilerplate (feed furniture, sentences other items repeat, words most
   summaries of the batch or of a source share).
2. Vectors (``vectors``, ``model``): sublinear TF-IDF of words (stopwords dropped, plurals
   stripped) and of character 2–4-grams inside words, each L2-normalized and mixed by a
   trained weight. The idf is *trained*: document frequencies counted over a hundred days of
   headlines ship in ``model.json.gz``. An idf taken from the batch itself calls the words
   of the day's biggest story common and knows nothing in a batch of fifty; the trained one
   scores a pair the same alone or among thousands. In a small batch (at most 300 items)
   a term in a tenth of it is common there whatever training said ("Kyiv" in a Ukrainian
   newsroom's feeds) and takes the batch's lower idf, unless it is a story's own: most of
   its items were one story in a first clustering that kept it in the meaning (a story
   worded twenty ways; the word then counts for that story's items alone), or its items
   agree without it.
3. LSA: a rank-256 randomized SVD (fixed seed) so later products are dense and BLAS-fast.
   Beside it, at a trained share, the headline's meaning (``meaning``): the mean of its
   tokens' WordLlama embeddings (static vectors shipped in the ``wordllama`` wheel), which
   brings together reports of one event that share few words. Each vector then gets its
   neighbours' similarity-weighted sum added (``linkage.expand``).
4. Exact group-average agglomeration, stopped at the trained threshold, never joining items
   further apart than the editorial window (``linkage.agglomerate``). The threshold rises
   with the log of the batch size above 1,500 items (``ClusterOptions.threshold_for``):
   in the largest windows more unrelated items sit near any story.
5. In a newsroom's own batch (at most 300 items), two reports whose sentence-case titles
   name different cities and whose texts share none of them count as unrelated (``places``,
   GeoNames' cities; the same linkage on the similarity matrix): the look-alike there is the
   same kind of event in another city.

The threshold, its slope, the n-gram share and the meaning's share were chosen, and the
frequencies counted, by
``bench/train_cluster.py`` on days other than those scored by ``bench/bench_cluster.py``.
Time is only the editorial window, never a similarity: UCI's timestamps are crawl times,
contiguous per story.
"""

from digest.cluster.core import (
    ClusterOptions,
    cluster_items,
    cluster_items_explained,
    cluster_texts,
    cluster_texts_explained,
    same_story,
    similarity,
)
from digest.cluster.explain import JoinReason, Part

__all__ = [
    "ClusterOptions",
    "JoinReason",
    "Part",
    "cluster_items",
    "cluster_items_explained",
    "cluster_texts",
    "cluster_texts_explained",
    "same_story",
    "similarity",
]
