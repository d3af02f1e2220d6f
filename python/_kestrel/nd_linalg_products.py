"""kestrel.nd.linalg's products (dot, vdot, inner, outer, tensordot, einsum, ...): written on
another branch; this placeholder keeps kestrel.nd.linalg importable until it lands."""
__all__ = []
