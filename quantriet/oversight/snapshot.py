"""The figures a conclusion cites, taken once at issuance and stored in `Conclusion.snapshot`.

- plans: the plans in force (or closed) issued by the subject unit, and the plan under review, with their
  progress from `quantriet.plans.rollup`;
- warnings: the early warnings of the subject unit's subtree (`plans.selectors.warnings_for_unit`) by kind,
  and the number of overdue tasks;
- study: for each study campaign (not a draft) on the document under review — or, without one, every
  campaign counting the subject unit — the subject unit's coverage from the counters (`study.selectors`).

Everything is plain JSON (strings for decimals) so the page and the .docx render it as it was that day.
"""
from __future__ import annotations

import datetime

from django.db.models import Q

from .models import Item


def take(item: Item, day: datetime.date) -> dict:
    from quantriet.plans import rollup
    from quantriet.plans import selectors as plan_selectors
    from quantriet.plans.models import Plan, PlanStatus
    from quantriet.study import selectors as study_selectors
    from quantriet.study.models import Campaign, CampaignStatus, CoverageCounter

    unit = item.subject_unit
    plans = list(Plan.objects.filter(
        Q(unit=unit, status__in=[PlanStatus.ISSUED, PlanStatus.AMENDED, PlanStatus.CLOSED])
        | Q(pk=item.plan_id or 0)).exclude(oversight_conclusion__isnull=False).order_by("issued_on", "pk"))
    plan_rows = []
    for plan in plans:
        data = rollup.for_plan(plan, day)
        plan_rows.append({"id": plan.pk, "number": plan.canonical_number, "title": plan.title,
                          "progress": str(data.plan_progress(plan.pk)), "tasks": len(data.tasks)})
    found, _data = plan_selectors.warnings_for_unit(unit, today=day)
    by_kind: dict[str, int] = {}
    for warning in found:
        by_kind[warning.kind] = by_kind.get(warning.kind, 0) + 1
    campaigns = Campaign.objects.exclude(status=CampaignStatus.DRAFT).filter(
        pk__in=CoverageCounter.objects.filter(unit=unit).values("campaign_id"))
    if item.document_id:
        campaigns = campaigns.filter(documents=item.document_id)
    study_rows = []
    for campaign in campaigns.distinct().order_by("starts_on", "pk"):
        total, _own, _children = study_selectors.coverage(campaign, unit)
        study_rows.append({"id": campaign.pk, "title": campaign.title, "targeted": total.targeted,
                           "attended": total.attended, "completed": total.completed,
                           "attended_percent": total.pct("attended"), "completed_percent": total.pct("completed")})
    return {
        "taken_on": day.isoformat(),
        "subject": {"id": unit.pk, "code": unit.code, "name": unit.name},
        "plans": plan_rows,
        "overdue_tasks": by_kind.get("overdue", 0),
        "warnings": by_kind,
        "study": study_rows,
    }
