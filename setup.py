"""Build hook for the optional compiled kernel ``tropical._cregions`` (metadata lives in pyproject.toml).

The extension needs a C compiler and GMP (``apt-get install libgmp-dev``). It is *optional*: when it cannot
be built, the install still succeeds and ``tropical`` runs on its pure-Python reference path (see
``tropical.backend.compiled``).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tropical._cregions",
            sources=["tropical/_cregions.c"],
            libraries=["gmp"],
            extra_compile_args=["-O2", "-std=c99"],
            optional=True,
        )
    ]
)
