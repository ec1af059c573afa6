"""What the generator wrote into this database, so the benchmark can reuse a dataset."""
from django.db import models


class Dataset(models.Model):
    """One run of `quantriet generate` (the tables it filled are emptied by `--replace`)."""

    members = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    as_of = models.DateField()
    generator_version = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # GenerationResult.as_dict(): counts, seconds, timings and peak memory of the run.
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.members} members, seed {self.seed} ({self.created_at:%Y-%m-%d})"
