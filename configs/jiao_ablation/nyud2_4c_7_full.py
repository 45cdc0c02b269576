# Table 1 row "Proposed" on NYUDv2-4c: LSU + SUC + the attention-driven loss of Eq. 7
# (L_DA + L_JG + L_semF), trained end to end with the ladder's schedule. The same model with
# Jiao et al.'s three training stages is configs/jiao_nyud2_4c.py.
_base_ = ['./_nyud2_4c_ladder.py']
