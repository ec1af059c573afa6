from django.middleware.locale import LocaleMiddleware


class SiteLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose a language (cookie); the browser's Accept-Language is ignored.

    Party offices work in Vietnamese whatever language their browser was installed with.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
