# Jiao et al. supplement §2, Fig. 2(c), on SynthRooms (4 classes): the merge-in network (Table 1 "Merge"): the
# depth and semantic sub-networks (layers 1-3 each) are summed into shared final layers 4-5, then
# the two heads. The supplement pre-trains the sub-networks first; here the whole network
# trains end to end from scratch, as every structure of the study does here.
_base_ = ['./_synthrooms.py']
merge_after = 3  # layers 1..3 per task, layers 4..5 shared
model = dict(
    interactions=dict(merge=dict(type='FeatureMerge', after_stage=merge_after,
                                 tasks=('depth', 'seg'), mode='sum')),
    shared_stages=dict(final=dict(tasks=('depth', 'seg'), start=merge_after, stop=5)))
