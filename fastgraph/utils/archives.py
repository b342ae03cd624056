"""Extracting tar and zip archives without letting a member land outside
the target folder.

Every member is checked before anything is written: an absolute path, a
'..' that climbs out, a link (symbolic or hard) whose target resolves
outside, or a device or FIFO raises ValueError naming the member, and the
archive is not extracted at all.
"""
import os
import tarfile
import zipfile


def _inside(base, path):
    base = os.path.realpath(base)
    target = os.path.realpath(os.path.join(base, path))
    return target == base or target.startswith(base + os.sep)


def _refuse(archive, member, why):
    raise ValueError(f"extract_archive: refusing to extract {archive}: member "
                     f"{member!r} {why}")


def _check_name(archive, base, name):
    if os.path.isabs(name) or name.startswith(("/", "\\")) or \
            (len(name) > 1 and name[1] == ":"):
        _refuse(archive, name, "has an absolute path")
    if not _inside(base, name):
        _refuse(archive, name, "would be written outside the target folder")


def _check_tar(path, base, tar):
    for info in tar.getmembers():
        _check_name(path, base, info.name)
        if info.issym():
            link = os.path.join(os.path.dirname(info.name), info.linkname)
            if os.path.isabs(info.linkname) or not _inside(base, link):
                _refuse(path, info.name, f"is a link to {info.linkname!r}, "
                                         f"outside the target folder")
        elif info.islnk():
            if os.path.isabs(info.linkname) or not _inside(base, info.linkname):
                _refuse(path, info.name, f"is a hard link to {info.linkname!r}, "
                                         f"outside the target folder")
        elif not (info.isfile() or info.isdir()):
            _refuse(path, info.name, "is a device or FIFO")


def _extract_tar(path, base):
    with tarfile.open(path) as tar:
        _check_tar(path, base, tar)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(base, filter="data")
        else:
            tar.extractall(base)


def _extract_zip(path, base):
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            _check_name(path, base, name)
        archive.extractall(base)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract `file_path` into `path` if it is an archive of
    `archive_format` ('tar', 'zip', a list of them, 'auto' for both or
    None for neither); True if it was extracted."""
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in archive_format:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            _extract_tar(file_path, path)
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            _extract_zip(file_path, path)
            return True
        if kind not in ("tar", "zip"):
            raise ValueError(f"extract_archive: archive_format must be 'tar', "
                             f"'zip', 'auto' or None, got {kind!r}")
    return False
