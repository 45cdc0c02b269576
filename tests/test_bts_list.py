"""The one parser of the BTS split-list format, shared by the NYU Depth v2 and KITTI readers."""
from mtl.datasets.bts_list import SplitEntry, read_bts_list


def test_entries_keep_line_numbers_drop_leading_slashes_and_mark_missing_gt(tmp_path):
    path = tmp_path / 'eigen_test_files_with_gt.txt'
    path.write_text('/a/rgb_1.png /a/gt_1.png 721.5\n\nb/rgb_2.png None 707.0\n')
    assert read_bts_list(path) == [SplitEntry('a/rgb_1.png', 'a/gt_1.png', 721.5, 1),
                                   SplitEntry('b/rgb_2.png', None, 707.0, 3)]
