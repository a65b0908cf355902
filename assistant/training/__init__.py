"""Building the shipped models: the reader (`reader`, `reader_data`, `export`) and its confidence model
(`confidence`, `confidence_data`), with their commands (`cli`: train-reader, export-reader, fit-confidence).

The app and the question path never import this package; it needs torch and `../shared/data`.
"""
