import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithConfigs(build_py):
    """Copies ``configs/`` into the built package as ``mtl/.mim/configs`` (the layout
    OpenMMLab's mim uses), so that a plain ``pip install .`` ships them; mtl looks there
    for configs given by name (``mtl train hps_synthrooms``)."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / 'mtl' / '.mim' / 'configs'
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(ROOT / 'configs', target,
                        ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


EXPORT = ['onnx>=1.14', 'onnxruntime>=1.16']
POINTCLOUD = ['plyfile>=1.0']

setup(
    name='mtl',
    version='0.1.0',
    description='Modular multi-task learning for dense scene understanding from a single RGB image',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.9',
    packages=find_packages(include=['mtl', 'mtl.*']),
    cmdclass={'build_py': BuildWithConfigs},
    entry_points={'console_scripts': ['mtl = mtl.cli:main']},
    install_requires=[
        'torch==2.14.1',
        'torchvision==0.29.1',
        'mmengine==0.10.7',
        'mmcv-lite==2.2.0',
        'timm>=1.0',
        'numpy>=1.24',
        'scipy>=1.10',
        'h5py>=3.8',
        'pillow>=9.0',
        'opencv-python-headless>=4.7',
        'tensorboard>=2.12',
        'matplotlib>=3.6',
        'tqdm>=4.60',
        'cityscapesscripts==2.3.0',  # Cityscapes label table and official evaluation
    ],
    extras_require={
        'export': EXPORT,
        'pointcloud': POINTCLOUD,
        'test': ['pytest>=7.0', *EXPORT, *POINTCLOUD],
    },
)
