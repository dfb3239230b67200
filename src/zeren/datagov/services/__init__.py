"""Use cases of data governance, one module per seam: the inventory (``inventory``), its file
import (``importer``), processing activities and transfers (``activities``), and consent with
the merge gate (``consent``). Each takes typed inputs, checks the actor's permission for the
platform, writes, records the audit event, and never commits."""
