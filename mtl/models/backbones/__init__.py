from mtl.utils.discovery import import_submodules

import_submodules(__name__)
