"""build_component: a sub-component's error names its full config key, however deep."""
import pytest

from mtl.models.builder import ConfigError, build_component


def test_a_nested_part_error_names_the_full_key():
    parts = [dict(type='LightDecoder', channels=(8,)),
             dict(type='LightDecoder', in_channels=16, channels=(4,))]
    with pytest.raises(ConfigError) as info:
        build_component(dict(type='ChainBranch', parts=parts), 'model.tasks.seg.branch',
                        in_channels=32)
    assert str(info.value).startswith('model.tasks.seg.branch.parts[1].in_channels is 16, '
                                      'but the model provides 8')
    assert info.value.key == 'model.tasks.seg.branch.parts[1]'


def test_the_up_skip_decoder_builds_its_decoder_and_suc_through_the_builder():
    key = 'model.tasks.depth.branch'
    with pytest.raises(ConfigError, match=r'^model\.tasks\.depth\.branch\.suc\.type: '
                                          r'"NoSuchFusion" is not registered'):
        build_component(dict(type='SemiDenseUpSkipDecoder', suc=dict(type='NoSuchFusion')), key,
                        in_channels=8)
    decoder = dict(type='UpConvDecoder', in_channels=4)
    with pytest.raises(ConfigError, match=r'^model\.tasks\.depth\.branch\.decoder\.in_channels '
                                          r'is 4, but the model provides 8'):
        build_component(dict(type='SemiDenseUpSkipDecoder', decoder=decoder), key, in_channels=8)


def test_an_error_raised_inside_a_nested_component_is_prefixed_with_its_key():
    part = dict(type='SemiDenseUpSkipDecoder', skip_source='nearest')
    with pytest.raises(ConfigError, match=r'^model\.tasks\.seg\.branch\.parts\[0\]: '
                                          r'skip_source must be one of'):
        build_component(dict(type='ChainBranch', parts=[part]), 'model.tasks.seg.branch',
                        in_channels=8)
