"""The SphinxQL backend: Sphinx 2.2.11 (development, CI) or Manticore Search (production).

Three shards, each an RT table held by two searchd processes (mirrors), behind a distributed
index on a front searchd.  ``layout`` says where the processes listen, ``config`` renders their
configuration, ``process`` runs them on one machine, ``rows`` turns articles into table rows,
``writer`` routes rows to shards (rebuild into the idle slot, then an atomic switch; upsert;
delete), ``translate`` maps query trees onto Sphinx's extended syntax, and ``engine`` answers
the ``Engine``/``Snapshot`` protocols.
"""
