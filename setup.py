from setuptools import find_packages, setup

setup(
    name='mtl',
    version='0.1.0',
    description='Modular multi-task learning for dense scene understanding from a single RGB image',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.9',
    packages=find_packages(include=['mtl', 'mtl.*']),
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
    extras_require={'test': ['pytest>=7.0']},
)
