import Autograd

/// Convolution benchmarks are added with the convolution ops.
func benchConvolution(threads: Int) {}
