# KITTI Eigen split (Eigen et al. 2014) with the annotated depth of the benchmark as ground truth:
# train on the Eigen training list, test on the 652 of 697 Eigen test frames that have ground
# truth, evaluated inside the Garg crop on kitti_depth.py's depth range. Both lists are the
# BTS release's `rgb_path gt_path focal` files, placed in data_root (or give absolute paths).
_base_ = ['./kitti_depth.py']

train_dataloader = dict(dataset=dict(split='train', split_file='eigen_train_files_with_gt.txt'))
val_dataloader = dict(dataset=dict(split='eigen_test', split_file='eigen_test_files_with_gt.txt'))
test_dataloader = val_dataloader

val_evaluator = dict(type='DepthMetric', crop='garg', min_depth={{_base_.min_depth}},
                     max_depth={{_base_.max_depth}})
test_evaluator = val_evaluator
