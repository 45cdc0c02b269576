# CI-Net Sec. 4.3, the full model: SUM + FSM + L_con (see _rows.py).
_base_ = ['../cinet_synthrooms.py']
