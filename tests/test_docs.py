"""The documentation: the API reference generator covers the public modules with their
signatures and registries, and every repository path the README and docs link to exists."""
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_api_reference_lists_public_api_with_registries(tmp_path):
    spec = importlib.util.spec_from_file_location('make_api', ROOT / 'docs' / 'make_api_reference.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path / 'api.md')
    text = (tmp_path / 'api.md').read_text()
    assert '### `init_model(config=None, checkpoint: Optional[str] = None' in text
    assert re.search(r'### `MultiTaskModel\(.*\)` \(registered in `model`\)', text)
    assert re.search(r'### `SamplePanelHook\(.*\)` \(registered in `hook`\)', text)
    assert '## `mtl.tools' not in text and '## `mtl.models.multitask`' in text


def links(markdown: str) -> list:
    """The targets of markdown links, outside code (``stages[i](x)`` in code is no link)."""
    prose = re.sub(r'```.*?```|``.*?``|`[^`]*`', '', markdown, flags=re.S)
    return re.findall(r'\]\(([^)#]+)\)', prose)


def test_links_in_code_are_not_links():
    assert links('see [docs](docs/a.md), ``stages[i](x)``, `f[0](y)`') == ['docs/a.md']


def test_linked_files_exist():
    for doc in [ROOT / 'README.md', *sorted((ROOT / 'docs').glob('*.md'))]:
        for link in links(doc.read_text()):
            if '://' in link:
                continue
            assert (doc.parent / link).exists(), f'{doc.name} links to missing {link}'
