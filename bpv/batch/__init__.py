"""Batch appraisal: many bids on one seed, as a programme office receives them.

:mod:`bpv.batch.run` appraises a folder or list of bids
(:func:`bpv.appraise_many`) on local threads, any executor or a Dask
cluster, skipping invalid bids and listing their problems;
:mod:`bpv.batch.result` holds what comes back (:class:`bpv.Batch`): every
bid's results as plain data (and its appraisal, when draws are kept), the
problems, a one-row-a-bid summary and the long-form table.
"""

__all__: list[str] = []
