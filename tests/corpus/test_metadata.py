import pytest

from corpus.errors import ConfigError
from corpus.metadata import load_manifest, meta_from_filename, metadata_for


def test_file_name_gives_unit_and_year():
    assert meta_from_filename("2023_城关镇.txt").unit == "城关镇"
    assert meta_from_filename("2023_城关镇.txt").year == 2023
    assert meta_from_filename("县交通运输局-2021年工作总结.docx").unit == "县交通运输局"
    assert meta_from_filename("000_e3435c539425e06f.txt").unit is None


def test_manifest_in_a_parent_folder_wins(tmp_path):
    sub = tmp_path / "subs"
    sub.mkdir()
    doc = sub / "a.txt"
    doc.write_text("x", encoding="utf-8")
    (tmp_path / "manifest.csv").write_bytes(
        "path,unit,year,submitted\nsubs/a.txt,青山镇,2022,2022-12-30\n".encode("utf-8-sig")
    )
    load_manifest.cache_clear()
    meta = metadata_for(doc)
    assert (meta.unit, meta.year, meta.submitted) == ("青山镇", 2022, "2022-12-30")


def test_a_manifest_without_a_path_column_is_a_config_error(tmp_path):
    (tmp_path / "chachong.csv").write_text("file,unit,year\na.txt,x,2020\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    load_manifest.cache_clear()
    with pytest.raises(ConfigError, match="'path' column"):
        metadata_for(tmp_path / "a.txt")
