# make_expr_reference.R: references for kestrel's expressions, definitions and constraints
# (src/sem/expr.c, defined.c; tests/c/test_sem_expr.c). Run from this folder:
#   Rscript make_expr_reference.R
# Writes
# - expr_cases.tsv: expressions over a, b, c, p, l.1_x as R evaluates them (eval), with their
#   derivatives from R's deriv() (method "deriv"), or, for what deriv() does not know (abs,
#   qnorm, log with a base), from Richardson-extrapolated central differences ("richardson");
# - expr_partable.tsv: lavaan's parameter table of a CFA with `:=` (a chain, a name defined
#   twice), `==` (the user's, and lavaan's own for a shared label), `<` and `>` (a plabel, a
#   fixed parameter's label, a definition), fitted to Holzinger-Swineford;
# - expr_model.tsv: at the fitted theta, lavaan's def.function, ceq.function and cin.function
#   values, their Jacobians by complex step (lavaan's lav_func_jacobian_complex: exact for these
#   analytic functions), lavaan's vcov and the standard errors parameterEstimates() gives the
#   `:=` rows (the delta method).
suppressPackageStartupMessages(library(lavaan))
f17 <- function(x) sprintf("%.17g", x)

vals <- c(a = 0.7, b = -1.3, c = 2.1, p = 0.3, l.1_x = 1.6)
exprs <- c(
  "a*b", "-2^2*a", "2^-1*b", "a^b^2", "-a^2", "(-a)^2", "a**3", "a/b/c", "a-b-c",
  "a-(b-c)", "2*-a^2+b", "a*b/(a*b+c)", "--a", "+a-+b",
  "1e-3*a+.5*b+5.*c+0x10*p+2L*a+1.5e+2*p+0X1fL*b", "exp(a)+log(c)+sqrt(c)+abs(b)",
  "log(c,2)+log(c,10)+log(a,base=c)", "log2(c)+log10(c)+log1p(a)+expm1(b)",
  "sin(a)*cos(b)+tan(p)", "asin(p)+acos(p)+atan(b)", "sinh(a)+cosh(b)+tanh(c)",
  "pnorm(b)+dnorm(a)+qnorm(p)", "a^c", "c^(a*b)", "exp(-a^2/2)/sqrt(2*3.14159)", "l.1_x*a",
  "a*TRUE+FALSE+b", "1/(1+exp(-(a+b*c)))", "a^2", "a^0.5", "(a+b)*(a-b)/c^3", "2^3^2*a",
  "abs(b)^p", "a * ( b + c ) ^ 2", "exp(log(2))*a", "c^1*a^0", "dnorm(a-8)", "dnorm(c*6)",
  "pnorm(b*8)", "qnorm(p/1e6)")

richardson <- function(f, x, i) {
  h <- 0.1 * max(abs(x[i]), 1)
  n <- 8
  D <- matrix(NA_real_, n, n)
  for (k in 1:n) {
    xp <- x; xm <- x
    xp[i] <- x[i] + h; xm[i] <- x[i] - h
    D[k, 1] <- (f(xp) - f(xm)) / (2 * h)
    if (k > 1) for (m in 2:k) D[k, m] <- D[k, m - 1] + (D[k, m - 1] - D[k - 1, m - 1]) / (4^(m - 1) - 1)
    h <- h / 2
  }
  D[n, n]
}

rows <- lapply(exprs, function(e) {
  ex <- parse(text = e)[[1]]
  env <- as.list(vals)
  value <- eval(ex, env)
  used <- intersect(names(vals), all.vars(ex))
  g <- setNames(numeric(length(vals)), names(vals))
  d <- try(deriv(ex, used), silent = TRUE)
  if (!inherits(d, "try-error")) {
    method <- "deriv"
    if (length(used)) g[used] <- attr(eval(d, env), "gradient")[1, used]
  } else {
    method <- "richardson"
    f <- function(x) eval(ex, as.list(x))
    for (v in used) g[v] <- richardson(f, vals, match(v, names(vals)))
  }
  data.frame(expr = e, value = f17(value), d_a = f17(g["a"]), d_b = f17(g["b"]),
             d_c = f17(g["c"]), d_p = f17(g["p"]), d_l = f17(g["l.1_x"]), method = method)
})
write.table(do.call(rbind, rows), "expr_cases.tsv", sep = "\t", quote = FALSE, row.names = FALSE)

model <- '
  visual  =~ x1 + a*x2 + b*x3
  textual =~ f4*x4 + c*x5 + c*x6
  speed   =~ x7 + d*x8 + e*x9
  ab  := a*b
  ind := ab*d/(1 + e^2)
  r   := exp(ab) - d
  r   := log(d) + ab^2
  a == 1.2*b
  e > f4*0.5
  .p9. < ind + 2
'
fit <- cfa(model, data = HolzingerSwineford1939,
           control = list(rel.tol = 1e-14, abs.tol = 1e-300, x.tol = 1e-14, eval.max = 1e5,
                          iter.max = 1e5))
pt <- parTable(fit)
pt$ustart[is.na(pt$ustart)] <- NaN
write.table(data.frame(id = pt$id, lhs = pt$lhs, op = pt$op, rhs = pt$rhs, user = pt$user,
                       block = pt$block, free = pt$free, ustart = f17(pt$ustart),
                       label = pt$label, plabel = pt$plabel),
            "expr_partable.tsv", sep = "\t", quote = FALSE, row.names = FALSE, na = "")
M <- fit@Model
theta <- lavaan:::lav_model_get_parameters(M)
jac <- function(fn) lavaan:::lav_func_jacobian_complex(func = fn, x = theta)
long <- function(what, x) {
  x <- as.matrix(x)
  data.frame(what = what, i = rep(seq_len(nrow(x)), ncol(x)), j = rep(seq_len(ncol(x)),
             each = nrow(x)), value = f17(as.vector(x)))
}
pe <- parameterEstimates(fit)
out <- rbind(long("theta", theta),
             long("def", M@def.function(theta)), long("def_jac", jac(M@def.function)),
             long("ceq", M@ceq.function(theta)), long("ceq_jac", jac(M@ceq.function)),
             long("cin", M@cin.function(theta)), long("cin_jac", jac(M@cin.function)),
             long("vcov", vcov(fit)), long("def_se", pe$se[pe$op == ":="]))
write.table(out, "expr_model.tsv", sep = "\t", quote = FALSE, row.names = FALSE)
cat(R.version.string, "lavaan", as.character(packageVersion("lavaan")), "\n")
