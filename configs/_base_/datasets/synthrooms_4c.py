# SynthRooms with NYU's 4 super-classes (floor, structure, furniture, prop), the class set of
# Jiao et al.'s Table 1; the depth range and ignore index are synthrooms.py's.
_base_ = ['./synthrooms.py']

class_names = ('floor', 'structure', 'furniture', 'prop')
num_classes = len(class_names)
palette = [(120, 85, 60), (190, 190, 180), (220, 40, 40), (30, 110, 220)]
metainfo = dict(classes=class_names, palette=palette)
train_dataloader = dict(dataset=dict(num_classes=num_classes, metainfo=metainfo))
val_dataloader = dict(dataset=dict(num_classes=num_classes, metainfo=metainfo))
test_dataloader = dict(dataset=dict(num_classes=num_classes, metainfo=metainfo))
