# lavaan_polish.R: Newton steps that take a lavaan 0.6-14 fit to rounding (sourced by
# make_engine_reference.R and make_api_reference.R).
# lavaan's gradient (d fmin / d theta) at theta, for the fit's model and data
grad_at <- function(fit, x) {
    lm <- lavaan:::lav_model_set_parameters(fit@Model, x)
    lavaan:::lav_model_gradient(lavmodel = lm, lavsamplestats = fit@SampleStats,
                                lavdata = fit@Data)
}

# BFGS still leaves a gradient of 1e-7 on PoliticalDemocracy (estimates 1.5e-6 off): Newton
# steps on lavaan's own analytic gradient (its Hessian by central differences; in the null space
# of the equality constraints) take it to rounding, then lavaan recomputes everything at that
# point (optim.method = "none": est = start, SEs and fmin as a fit's).
polish <- function(fit, f, model, ...) {
    x <- lavaan:::lav_model_get_parameters(fit@Model)
    C <- fit@Model@ceq.JAC # the equality constraints' Jacobian: K spans its null space
    K <- if (length(C)) qr.Q(qr(t(C)), complete = TRUE)[, -seq_len(nrow(C)), drop = FALSE] else NULL
    for (it in 1:8) {
        g <- grad_at(fit, x)
        H <- sapply(seq_along(x), function(j) {
            e <- numeric(length(x))
            e[j] <- 1e-5 * max(1, abs(x[j]))
            (grad_at(fit, x + e) - grad_at(fit, x - e)) / (2 * e[j])
        })
        H <- (H + t(H)) / 2
        x <- x - drop(if (length(K)) K %*% solve(t(K) %*% H %*% K, t(K) %*% g) else solve(H, g))
    }
    pt <- parTable(fit)
    pt$est[pt$free > 0] <- x[pt$free[pt$free > 0]]
    # (fixed.x as the fit resolved it: with a start table lavaan would take it as FALSE)
    do.call(f, c(list(model, ...), list(start = pt, optim.method = "none",
                                        fixed.x = lavInspect(fit, "options")$fixed.x)))
}

