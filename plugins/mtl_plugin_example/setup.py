from setuptools import find_packages, setup

setup(
    name='mtl-plugin-example',
    version='0.1.0',
    description='Example third-party package that adds an interaction and a loss to mtl',
    packages=find_packages(include=['mtl_plugin_example', 'mtl_plugin_example.*']),
    install_requires=['mtl'],
    # installing the package is enough: mtl imports it before its first registry lookup
    entry_points={'mtl.plugins': ['example = mtl_plugin_example']},
)
