"""Data to train on: named toy datasets, CSV files, and the steps between reading and training.

- ``load_dataset(name)``: xor, moons, circles, blobs, iris, wine, breast_cancer
  and digits (all but xor from scikit-learn, generated or bundled with it:
  nothing is downloaded);
- ``load_csv(path, target)``: a CSV file with a header row and a named target column;
- ``train_test_split``, ``standardize``, ``one_hot``: preparing arrays by hand;
- ``load_data_config(table, base_dir)``: all of that from a config's ``[data]`` table.

``X`` comes back as float64 rows, one per sample; ``y`` shaped for training:
a 0/1 column for two classes, one-hot rows for three or more, a column of
numbers for a value to predict.
"""

from .csv_files import load_csv, load_csv_column, load_csv_features, read_csv
from .data_config import load_data_config
from .dataset import Dataset
from .named import DATASETS, STANDARDIZED, load_dataset, load_named
from .preparing import Standardized, one_hot, standardize, train_test_split

__all__ = [
    # sources
    "DATASETS",
    "STANDARDIZED",
    "load_dataset",
    "load_named",
    "load_csv",
    "load_csv_features",
    "load_csv_column",
    "read_csv",
    "Dataset",
    # preparing
    "train_test_split",
    "standardize",
    "Standardized",
    "one_hot",
    # the [data] table
    "load_data_config",
]
