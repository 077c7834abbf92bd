"""
Template tags that show the predictive score on other apps' pages (the sales queue), so those
apps never import predictive.

`{% lead_prediction contact rows as p %}` loads the stored predictions of every contact in the
queue's rows in one query, the first time it is used in a render, and hands back this one's.
"""

from __future__ import annotations

from django import template

from predictive.selectors import predictions_for

register = template.Library()
_CACHE_ATTRIBUTE = "_predictive_predictions"


@register.simple_tag(takes_context=True)
def lead_prediction(context, contact, rows):
    """
    The contact's stored prediction. The first call of a render loads the predictions of all
    the rows' contacts in one query; they are kept on the request (partials re-render with a
    fresh render context), tied to this very list of rows.
    """
    holder = context.get("request") or context.render_context
    cached = getattr(holder, _CACHE_ATTRIBUTE, None)
    if cached is None or cached[0] is not rows:
        ids = [row.assignment.contact_id for row in rows or ()]
        cached = (rows, predictions_for(ids))
        setattr(holder, _CACHE_ATTRIBUTE, cached)
    return cached[1].get(contact.pk)
