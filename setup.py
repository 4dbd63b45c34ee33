from setuptools import find_packages, setup

setup(
    name='uniformer_dense',
    version='0.1.0',
    description='UniFormer backbone for dense prediction with MMDetection, MMSegmentation and MMPose',
    packages=find_packages(include=['uniformer_dense', 'uniformer_dense.*']),
    python_requires='>=3.10',
    # Pinned stack; see requirements/ and the Makefile for how it is installed.
    install_requires=[
        'torch==2.13.0', 'torchvision==0.28.0', 'mmengine==0.10.7', 'mmcv==2.1.0',
        'mmdet==3.3.0', 'mmsegmentation==1.2.2', 'mmpose==1.3.2', 'timm>=1.0,<1.1',
        'mmaction2==1.2.0', 'decord==0.6.0', 'pycocotools>=2.0.8', 'xtcocotools',
        'numpy>=2,<2.5', 'gdown>=5.2,<7',
    ],
)
