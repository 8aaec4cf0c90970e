"""Writes the sample class of ``samples/cnn-8x8x3/``: 34 submissions to the origin
notebook's "YOUR TURN" exercise, as a Canvas "Download Submissions" folder would hold them.

    python samples/generate.py          # rewrites samples/cnn-8x8x3/

Every kind of submission an instructor meets is here: right answers in each writing
style (tagged Markdown table, the origin notebook's own table, a Python dict, YAML, a
printed Keras summary), each typical mistake with its consequences carried through,
unreadable values, missing answers, hostile text, broken and empty files, a late
submission and a resubmission. The files are committed; this script documents them
(notebook cell ids are random, so a re-run rewrites every notebook's bytes).
``samples/cnn-8x8x3-form/responses.csv`` is the same exercise answered through a Google
Forms quiz: ``python -c "import samples.generate as g; g.write_form_export()"`` rewrites it alone.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
from nbformat import v4

HERE = Path(__file__).resolve().parent
OUT = HERE / "cnn-8x8x3"
LAYERS = ["conv1", "pool1", "conv2", "pool2", "flatten", "fc", "out"]
CORRECT = {
    "conv1": ("6x6x64", "1792"), "pool1": ("3x3x64", "0"), "conv2": ("3x3x128", "8320"),
    "pool2": ("1x1x128", "0"), "flatten": ("128", "0"), "fc": ("516", "66564"), "out": ("5", "2585"),
}
MODEL_CODE = """from keras import models, layers

model = models.Sequential()
model.add(layers.Conv2D(64, (3, 3), activation='relu', input_shape=(8, 8, 3)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(128, (1, 1), activation='relu'))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Flatten())
model.add(layers.Dense(516, activation='relu'))
model.add(layers.Dense(5, activation='softmax'))"""
INTRO = ("## YOUR TURN\n\nFrom the previous model: change the input to 8 x 8 RGB images, use 3 x 3 "
         "filters with 64 feature maps in the first convolution, 1 x 1 filters with 128 maps in the "
         "second, 516 units in the dense layer and 5 labels. Fill in the table below: the output "
         "shape and the number of learnable parameters of every layer, and the total.")

# Keras 3's model.summary() for this model, as printed by Keras 3.15 (captured with print_fn).
KERAS3_SUMMARY = """Model: "sequential_11"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ conv2d_21 (Conv2D)              │ (None, 6, 6, 64)       │         1,792 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d_17                │ (None, 3, 3, 64)       │             0 │
│ (MaxPooling2D)                  │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_22 (Conv2D)              │ (None, 3, 3, 128)      │         8,320 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d_18                │ (None, 1, 1, 128)      │             0 │
│ (MaxPooling2D)                  │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ flatten_7 (Flatten)             │ (None, 128)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_13 (Dense)                │ (None, 516)            │        66,564 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_14 (Dense)                │ (None, 5)              │         2,585 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 79,261 (309.61 KB)
 Trainable params: 79,261 (309.61 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 2's model.summary() as the origin notebook shows it (Keras 2 is not installable here).
KERAS2_SUMMARY = """Model: "sequential_11"
_________________________________________________________________
Layer (type)                 Output Shape              Param #   
=================================================================
conv2d_21 (Conv2D)           (None, 6, 6, 64)          1792      
_________________________________________________________________
max_pooling2d_17 (MaxPooling (None, 3, 3, 64)          0         
_________________________________________________________________
conv2d_22 (Conv2D)           (None, 3, 3, 128)         8320      
_________________________________________________________________
max_pooling2d_18 (MaxPooling (None, 1, 1, 128)         0         
_________________________________________________________________
flatten_7 (Flatten)          (None, 128)               0         
_________________________________________________________________
dense_13 (Dense)             (None, 516)               66564     
_________________________________________________________________
dense_14 (Dense)             (None, 5)                 2585      
=================================================================
Total params: 79,261
Trainable params: 79,261
Non-trainable params: 0
_________________________________________________________________
"""


def answers_with(**changes: tuple[str, str]) -> dict[str, tuple[str, str]]:
    out = dict(CORRECT)
    out.update(changes)
    return out


def markdown_table(rows: dict[str, tuple[str, str]], total: str, header=("layer", "output shape", "params")) -> str:
    lines = [f"| {header[0]} | {header[1]} | {header[2]} |", "|---|---|---|"]
    for name in LAYERS:
        shape, params = rows.get(name, ("", ""))
        lines.append(f"| {name} | {shape} | {params} |")
    lines.append(f"| total | | {total} |")
    return "\n".join(lines)


def origin_table(rows: dict[str, tuple[str, str]], total: str) -> str:
    """The origin notebook's own dash-separated table, with the working before each answer."""
    lines = ["**name         -                  size       -          parameters**",
             "---  --------  -------------------------    ------------------------",
             "  0  input     -                  8x8x3   -                        0", ""]
    for i, name in enumerate(LAYERS, 1):
        shape, params = rows[name]
        lines.append(f"  {i}  {name:<8} -  {shape:>22}    -  {params:>24}")
        lines.append("")
    lines.append(f"So in your network, you have a total of {total} learnable parameters.")
    return "\n".join(lines)


def notebook(answer_cell, outputs_summary: str | None = None, tagged: bool = True) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.cells.append(v4.new_markdown_cell(INTRO))
    code = v4.new_code_cell(MODEL_CODE + ("\nmodel.summary()" if outputs_summary else ""), execution_count=1)
    if outputs_summary:
        code.outputs = [v4.new_output("stream", name="stdout", text=outputs_summary)]
    nb.cells.append(code)
    if answer_cell is not None:
        if tagged:
            answer_cell.metadata["tags"] = ["answers"]
        nb.cells.append(answer_cell)
    return nb


def table_nb(rows, total, **kw):
    return notebook(v4.new_markdown_cell(markdown_table(rows, total)), **kw)


def write_nb(name: str, nb) -> None:
    nbformat.write(nb, str(OUT / name), version=4)


STUDENTS = [
    # (Canvas sortable name, user id): the submission
    ("andersonemma", 40101, lambda: table_nb(CORRECT, "79261")),
    ("brownliam", 40102, lambda: notebook(v4.new_markdown_cell(origin_table(answers_with(
        conv1=("(8-(3-1))=6 -> 64x6x6", "(3* 3* 3+1)* 64 = 1'792"), pool1=("64x3x3", "0"),
        conv2=("(3-(1-1))=3 -> 128x3x3", "(1* 1* 64+1)* 128 = 8'320"), pool2=("128x1x1", "0"),
        fc=("516", "(128+1)* 516 = 66'564"), out=("5", "(516+1)*5 = 2'585")),
        "1'792 + 8'320 + 66'564 + 2'585 = 79'261")), tagged=False)),
    ("chenwei", 40103, lambda: notebook(v4.new_code_cell(
        "answers = {\n"
        "    'conv1': {'output_shape': (6, 6, 64), 'params': 1792},\n"
        "    'pool1': {'output_shape': (3, 3, 64), 'params': 0},\n"
        "    'conv2': {'output_shape': (3, 3, 128), 'params': 8320},\n"
        "    'pool2': {'output_shape': (1, 1, 128), 'params': 0},\n"
        "    'flatten': {'output_shape': (128,), 'params': 0},\n"
        "    'fc': {'output_shape': (516,), 'params': 66564},\n"
        "    'out': {'output_shape': (5,), 'params': 2585},\n"
        "    'total_params': 79261,\n"
        "}"))),
    ("davisolivia", 40104, lambda: notebook(v4.new_raw_cell(
        "conv1: {output_shape: 6x6x64, params: 1792}\npool1: {output_shape: 3x3x64, params: 0}\n"
        "conv2: {output_shape: 3x3x128, params: 8320}\npool2: {output_shape: 1x1x128, params: 0}\n"
        "flatten: {output_shape: 128, params: 0}\nfc: {output_shape: 516, params: 66564}\n"
        "out: {output_shape: 5, params: 2585}\ntotal_params: 79261\n"))),
    ("evansnoah", 40105, lambda: notebook(None, outputs_summary=KERAS3_SUMMARY)),
    ("fischerlena", 40106, lambda: notebook(None, outputs_summary=KERAS2_SUMMARY)),
    # each typical mistake, with its consequences carried through the later layers
    ("garciamaria", 40107, lambda: table_nb(answers_with(
        conv1=("6x6x64", "1728"), conv2=("3x3x128", "8192"), fc=("516", "66048"), out=("5", "2580")),
        "78548")),                                                      # forgot_bias
    ("hughesjack", 40108, lambda: table_nb(answers_with(
        conv1=("6x6x64", "(3*3+1)*64 = 640"), conv2=("3x3x128", "(1*1+1)*128 = 256")), "70045")),  # forgot_input_channels
    ("ibrahimamir", 40109, lambda: table_nb(answers_with(
        conv1=("8x8x64", "1792"), pool1=("4x4x64", "0"), conv2=("4x4x128", "8320"), pool2=("2x2x128", "0"),
        flatten=("512", "0"), fc=("516", "264708")), "277405")),        # wrong_padding, carried through
    ("jonessophie", 40110, lambda: table_nb(answers_with(
        conv1=("5x5x64", "1792"), pool1=("2x2x64", "0"), conv2=("2x2x128", "8320")), "79261")),  # off_by_one
    ("kowalskipiotr", 40111, lambda: table_nb(answers_with(
        pool2=("2x2x128", "0"), flatten=("512", "0"), fc=("516", "264708")), "277405")),  # pool_rounding
    ("lopezana", 40112, lambda: table_nb(answers_with(
        pool1=("5x5x64", "0"), conv2=("5x5x128", "8320"), pool2=("2x2x128", "0"), flatten=("512", "0"),
        fc=("516", "264708")), "277405")),                              # ignored_stride on the pooling
    ("martinlucas", 40113, lambda: table_nb(CORRECT, "79,216")),        # sum_mismatch
    ("nguyenlinh", 40114, lambda: table_nb(answers_with(conv1=("6x6x64", "(3*3*3+1)*64 = 1782")), "79261")),
    ("okaforchidi", 40115, lambda: table_nb(answers_with(
        conv1=("(6, 6, 64)", "1,792"), pool1=("(None, 3, 3, 64)", "-"), conv2=("[3, 3, 128]", "8.320"),
        pool2=("1 × 1 × 128", "--"), flatten=("(None, 128)", "0"), fc=("(516,)", "66 564"),
        out=("5", "2_585")), "79'261")),                                # every spelling people use
    ("patelriya", 40116, lambda: table_nb(answers_with(
        conv1=("six by six by 64", "1792"), fc=("516", "a lot"), out=("5", "2585!!")), "79261")),  # unreadable
    ("quinnaoife", 40117, lambda: table_nb({k: v for k, v in CORRECT.items() if k in ("conv1", "pool1", "conv2")},
                                           "")),                         # stopped half-way
    ("rossimarco", 40118, lambda: table_nb(answers_with(
        conv1=("<script>alert('hi')</script>", "{{ 7*7 }}"), pool1=("3x3x64", "<b>0</b>")), "79261")),  # hostile
    ("schmidtjonas", 40119, lambda: table_nb(answers_with(
        conv1=("64x6x6", "1792"), pool1=("64x3x3", "0"), conv2=("128x3x3", "8320"), pool2=("128x1x1", "0")),
        "79261")),                                                      # channels first (accepted here)
    ("tanakayui", 40120, lambda: table_nb(answers_with(
        fc=("516", "128*516 = 66048"), out=("5", "516*5 = 2580")), "1792 + 8320 + 66048 + 2580 = 78740")),
    ("umarfatima", 40121, lambda: table_nb(answers_with(
        flatten=("128", "128"), pool1=("3x3x64", "64"), pool2=("1x1x128", "128")), "79581")),  # counted pools
    ("vargasdiego", 40122, lambda: table_nb(answers_with(
        conv1=("(8-3)/1+1 = 6 -> 6x6x64", "(3*3*3 + 1) * 64 = 1,792"),
        conv2=("(3-1)/1+1 = 3 -> 3x3x128", "(1*1*64 + 1) * 128 = 8,320")), "79,261")),
    ("wilsonava", 40123, lambda: notebook(v4.new_markdown_cell("I ran out of time, sorry."), tagged=False)),
    ("xuming", 40124, lambda: table_nb(answers_with(out=("5", "2585")), "79261")),
    ("youngchloe", 40125, lambda: table_nb(answers_with(conv1=("6x6x64", "1792"), fc=("516", "66564")), "79261")),
]

# A late submission and a resubmission, named as Canvas names them.
EXTRA = [
    ("zieglermax_LATE_40126_880126_params_exercise.ipynb", lambda: table_nb(answers_with(
        conv1=("6x6x64", "1728")), "79197")),
    ("andersonemma_40101_880201_params_exercise-1.ipynb", lambda: table_nb(CORRECT, "79,261")),
]


def write_broken_files() -> None:
    text = nbformat.writes(table_nb(CORRECT, "79261"))
    (OUT / "bakerharry_40127_880127_params_exercise.ipynb").write_text(text[: len(text) // 2])  # truncated
    (OUT / "clarkisla_40128_880128_params_exercise.ipynb").write_bytes(b"")                      # empty
    (OUT / "dixontom_40129_880129_params_exercise.ipynb").write_bytes(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")                   # a PDF, renamed
    (OUT / "ellisgrace_40130_880130_params_exercise.ipynb").write_text(
        json.dumps({"name": "not a notebook", "cells": "nope"}))                                   # JSON, not a notebook


def write_answer_files() -> None:
    rows = {name: {"output_shape": shape, "params": int(params)} for name, (shape, params) in CORRECT.items()}
    (OUT / "fosterben_40131_880131_answers.json").write_text(
        json.dumps({"layers": rows, "total_params": 79261}, indent=2) + "\n")
    yaml_text = "".join(f"{name}: {{output_shape: {shape}, params: {params}}}\n"
                        for name, (shape, params) in answers_with(conv2=("3x3x128", "8192")).items())
    (OUT / "grantmia_40132_880132_answers.yaml").write_text(yaml_text + "total_params: 79133\n")


def write_v3_notebook() -> None:
    nb = nbformat.v3.new_notebook()
    ws = nbformat.v3.new_worksheet()
    ws.cells.append(nbformat.v3.new_text_cell("markdown", source=INTRO))
    cell = nbformat.v3.new_text_cell("markdown", source=markdown_table(CORRECT, "79261"))
    cell.metadata["tags"] = ["answers"]
    ws.cells.append(cell)
    nb.worksheets.append(ws)
    (OUT / "hallnora_40133_880133_params_exercise.ipynb").write_text(nbformat.v3.nbjson.writes(nb))


# A Google Forms quiz download (samples/cnn-8x8x3-form/): one file, one row per respondent,
# the question titles as the instructor wrote them. `grader grade` grades every row.
FORM_OUT = HERE / "cnn-8x8x3-form"
FORM_RESPONDENTS = [
    # (timestamp, email, student id, full name, answers, total)
    ("2024/09/02 9:05:12 AM GMT+2", "jane.doe@example.edu", "S0001", "Jane Doe", CORRECT, "79,261"),
    ("2024/09/02 9:41:57 AM GMT+2", "ahmed.khan@example.edu", "S0002", "Ahmed Khan", answers_with(
        conv1=("(None, 6, 6, 64)", "(3*3*3+1)*64"), fc=("516", "128*516+516")), "79261"),
    ("2024/09/02 10:02:30 AM GMT+2", "li.wei@example.edu", "S0003", "Li Wei", answers_with(
        conv1=("6x6x64", "1728"), conv2=("3x3x128", "8192")), "79,069"),          # forgot_bias, own total
    ("2024/09/02 10:15:03 AM GMT+2", "sara.novak@example.edu", "S0004", "Sara Novak", answers_with(
        conv1=("8x8x64", "1792"), pool1=("4x4x64", "0"), conv2=("4x4x128", "8320"), pool2=("2x2x128", "0"),
        flatten=("512", "0"), fc=("516", "264708")), "277405"),                   # wrong_padding, carried
    ("2024/09/02 11:30:44 AM GMT+2", "tom.o'brien@example.edu", "S0005", "Tom O'Brien", answers_with(
        conv1=("6x6x64", "(3*3+1)*64 = 640")), "78109"),                          # forgot_input_channels
    ("2024/09/02 11:58:00 AM GMT+2", "x@example.edu", "S0006", "<script>alert('form')</script>", answers_with(
        out=("5", "=HYPERLINK(\"http://example.com\")")), "79261"),                # hostile cells
    ("2024/09/02 12:20:19 PM GMT+2", "amy.lee@example.edu", "S0007", "Amy Lee",
     {k: v for k, v in CORRECT.items() if k in ("conv1", "pool1")}, ""),          # stopped early
]


def write_form_export() -> None:
    import csv

    FORM_OUT.mkdir(parents=True, exist_ok=True)
    header = ["Timestamp", "Email Address", "Student ID", "Full name"]
    header += [f"{layer} - {label}" for layer in LAYERS for label in ("output shape", "params")]
    header += ["Total number of parameters\n(all layers, e.g. 1,234)"]
    with open(FORM_OUT / "responses.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")  # Google's download uses CRLF
        writer.writerow(header)
        for stamp, email, sid, name, rows, total in FORM_RESPONDENTS:
            cells = [c for layer in LAYERS for c in rows.get(layer, ("", ""))]
            writer.writerow([stamp, email, sid, name, *cells, total])


def main() -> None:
    write_form_export()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    for n, (sortable, user_id, make) in enumerate(STUDENTS):
        write_nb(f"{sortable}_{user_id}_{880100 + n}_params_exercise.ipynb", make())
    for name, make in EXTRA:
        write_nb(name, make())
    write_broken_files()
    write_answer_files()
    write_v3_notebook()
    print(f"wrote {len(list(OUT.iterdir()))} submissions to {OUT}")


if __name__ == "__main__":
    main()
