# Table 1, "PAD-Net (Distillation C + DE + SP)": the full model of _synthrooms_ladder.py.
_base_ = ['./_synthrooms_ladder.py']
