# make_reference_conley.R — the inputs of diff-diff's R conleyreg parity fixtures, regenerated.
#
# diff-diff (github.com/igerber/diff-diff, benchmarks/R/generate_conley_golden.R) ran R
# conleyreg 0.1.9 on six simulated data sets and stored inputs and variances in
# benchmarks/data/r_conleyreg_conley_golden.json. conleyreg needs sf/lwgeom (not installable
# here), so this script only rebuilds the inputs from the same seeds and the same draws (R's
# runif / rnorm streams), writes them as CSV, and the variances conleyreg gave are copied from
# the JSON into reference_conleyreg.json by hand. The test checks the regenerated inputs against
# values quoted from that JSON (first rows), so a drifting RNG would show.
#
# Run: Rscript make_reference_conley.R   (writes conley_conleyreg_<name>.csv here)
cross <- function(seed, n, k, lat_range, lon_range) {
  set.seed(seed)
  d <- data.frame(lat = runif(n, lat_range[1], lat_range[2]),
                  lon = runif(n, lon_range[1], lon_range[2]))
  for (j in seq_len(k - 1)) d[[paste0("x", j)]] <- rnorm(n)
  b <- c(1.0, seq(0.5, 2.0, length.out = k - 1))
  xb <- rowSums(sapply(seq_len(k - 1), function(j) b[j + 1] * d[[paste0("x", j)]]))
  d$y <- b[1] + xb + rnorm(n, sd = 0.5)
  d$unit <- seq_len(n)
  d$time <- 1L
  d
}
panel <- function(seed, n_units, n_periods, k, lat_range, lon_range) {
  set.seed(seed)
  lat_u <- runif(n_units, lat_range[1], lat_range[2])
  lon_u <- runif(n_units, lon_range[1], lon_range[2])
  unit <- rep(seq_len(n_units), each = n_periods)
  n <- n_units * n_periods
  d <- data.frame(unit = unit, time = rep(seq_len(n_periods), times = n_units),
                  lat = lat_u[unit], lon = lon_u[unit])
  for (j in seq_len(k - 1)) d[[paste0("x", j)]] <- rnorm(n)
  b <- c(1.0, seq(0.5, 2.0, length.out = k - 1))
  xb <- rowSums(sapply(seq_len(k - 1), function(j) b[j + 1] * d[[paste0("x", j)]]))
  d$y <- b[1] + xb + rnorm(n, sd = 0.5)
  d
}
sets <- list(
  small_haversine = cross(42, 50, 2, c(-30, 30), c(-100, 100)),
  dense_haversine = cross(100, 200, 3, c(-45, 45), c(-150, 150)),
  lat_lon_realistic = cross(314, 300, 3, c(25, 50), c(-125, -65)),
  panel_haversine_lag1 = panel(1001, 60, 3, 2, c(-30, 30), c(-100, 100)),
  panel_haversine_lag2 = panel(1002, 80, 5, 3, c(-45, 45), c(-150, 150)),
  panel_lat_lon_realistic_lag1 = panel(1003, 100, 4, 3, c(25, 50), c(-125, -65)))
for (nm in names(sets))
  write.csv(sets[[nm]], paste0("conley_conleyreg_", nm, ".csv"), row.names = FALSE)
