from django.contrib import admin

from .models import IssuerSymbol


@admin.register(IssuerSymbol)
class IssuerSymbolAdmin(admin.ModelAdmin):
    """Issuer symbols of units whose symbol is not the default of their kind (e.g. "TU" for a Thành ủy)."""

    list_display = ["unit", "symbol"]
    search_fields = ["unit__name", "unit__code", "symbol"]
    raw_id_fields = ["unit"]
