# Table 1 row "Proposed" on SynthRooms: LSU + SUC + the attention-driven loss of Eq. 7
# (L_DA + L_JG + L_semF), trained end to end with the ladder's schedule. The same model with
# Jiao et al.'s three training stages is configs/jiao_synthrooms.py.
_base_ = ['./_synthrooms_ladder.py']
