"""The library of the 深層実習 report pipeline (see README: rule → script → module).

Shared machinery: ``measure`` (timing harness), ``checks`` (result checks), ``threads``,
``rows``/``raw`` (the tidy raw-table format and reading it), ``ops`` (flop counts), ``fit``
and ``growth`` (growth laws), ``verdicts`` (decisions), ``figures``/``tables``/``render``/
``rubric`` (presentation), ``sysinfo``, ``config``, ``io``, ``deps`` (what a job runs).
One package per report (``kadai1`` … ``kadai4``, ``nini1``) holds its stage modules.
"""
