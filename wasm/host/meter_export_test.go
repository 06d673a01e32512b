package host

// MeterVersion names the metered modules' cache directory for the tests of
// package host_test: it changes whenever the meter's output does.
const MeterVersion = meterVersion
