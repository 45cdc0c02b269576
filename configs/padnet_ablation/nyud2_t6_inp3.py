# Table 6, "MTDN-inp3": distillation C reads three intermediate predictions (depth, the
# semantic map and surface normals); contours are still predicted and supervised.
_base_ = ['../padnet_nyud2.py']
model = dict(interactions=dict(distill=dict(inputs=dict(_delete_=True, depth='depth@1',
                                                        seg='seg@1', normals='normals'))))
