import NN
import Testing
import TestFixtures
