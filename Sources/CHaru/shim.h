#include <hpdf.h>

/* libharu (Debian libhpdf-dev) draws invoice PDFs. Nothing here is variadic, so no wrappers are
   needed: Swift calls hpdf.h directly from Sources/Billing/Invoices/HaruDocument.swift. */
