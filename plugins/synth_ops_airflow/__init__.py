"""Airflow glue for synth-ops: settings, the step operator, landing detection and the tournament.

This package imports ``synth_ops`` (its light modules only: settings,
storage, registry) and never the reverse. The DAGs in ``dags/`` import from
here; the heavy candidate libraries run only in the worker environment, as a
pod or a local subprocess.
"""
