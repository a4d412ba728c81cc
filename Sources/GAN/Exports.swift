@_exported import NN
