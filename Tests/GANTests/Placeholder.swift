import GAN
import Testing
import TestFixtures
