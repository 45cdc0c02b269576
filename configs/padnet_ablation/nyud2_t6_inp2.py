# Table 6, "MTDN-inp2": distillation C reads two intermediate predictions (depth and the
# semantic map); normals and contours are still predicted and supervised.
_base_ = ['../padnet_nyud2.py']
model = dict(interactions=dict(distill=dict(inputs=dict(_delete_=True, depth='depth@1',
                                                        seg='seg@1'))))
