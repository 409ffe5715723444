"""sample_base.py - what every part of make_samples.py shares: the export's
fixed points (seed, currencies' scales, dates, the seeded Accounts), the
columns of the seven datasets, the pseudo-random numbers and ids, and the
list of edge cases that samples/README.md names.

The model is module state, built once per run of make_samples.py: R is the
one random stream, in the order the parts draw from it.
"""
from datetime import datetime, timezone

UTC = timezone.utc
SEED = 20240701
SCALE = {"USD": 2, "EUR": 2, "JPY": 0, "BHD": 3}
EXPORT_CUTOFF = datetime(2024, 7, 1, tzinfo=UTC)   # last invoiced period end
EXPORTED_AT = datetime(2024, 7, 2, 0, 3, 11, tzinfo=UTC)
ACCOUNTS = ["001Hs00002abcdeIAA", "001Hs00002FgHiJIAV", "001Hs00002kLmNoIAK",
            "001Hs00002pQrStIAK", "001Hs00002uVwXyIAK"]
MISSING_ACCOUNT = "001Hs00002zZzZzIAK"   # well-formed, but no such Account
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

COLUMNS = {
    "customers": "id external_customer_id name email currency balance billing_address "
    "billing_country tax_id_type tax_id_value payment_provider payment_provider_id "
    "auto_collection timezone portal_url metadata salesforce_account_id created_at "
    "updated_at deleted_at",
    "plans": "id external_plan_id name description status invoicing_currency net_terms "
    "version default_invoice_memo discount minimum maximum product trial_config metadata "
    "created_at updated_at deleted_at",
    "subscriptions": "id customer_id external_customer_id plan_id status start_date end_date "
    "current_billing_period_start_date current_billing_period_end_date net_terms "
    "auto_collection default_invoice_memo metadata price_intervals created_at updated_at "
    "deleted_at",
    "invoices": "id invoice_number customer_id salesforce_account_id subscription_id status "
    "invoice_source currency subtotal total amount_due invoice_date due_date issued_at "
    "paid_at voided_at created_at updated_at memo hosted_invoice_url",
    "invoice_line_item_billing": "id invoice_id customer_id subscription_id price_id item_id "
    "name start_date end_date quantity subtotal adjusted_subtotal credits_applied "
    "partially_invoiced_amount amount tax_amount currency issued_at voided_at updated_at",
    "daily_line_item_revenue": "id invoice_id line_item_id customer_id subscription_id "
    "price_id item_id timeframe_start timeframe_end quantity amount currency timestamp "
    "lock_adjusted_timestamp reverted_at updated_at",
    "credit_ledger_entries": "id customer_id ledger_sequence_number entry_type entry_status "
    "amount starting_balance ending_balance currency credit_block_id "
    "credit_block_expiry_date credit_block_per_unit_cost_basis new_block_expiry_date "
    "void_amount void_reason invoice_id price_id description created_at",
}
COLUMNS = {k: v.split() for k, v in COLUMNS.items()}


class Rng:
    """splitmix64: tiny, fast enough, and identical on every Python."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def between(self, lo, hi):
        return lo + self.below(hi - lo + 1)

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, percent):
        return self.below(100) < percent


R = Rng(SEED)
_ids = set()


def new_id(prefix="", n=16):
    while True:
        s = prefix + "".join(B62[R.below(62)] for _ in range(n))
        if s not in _ids:
            _ids.add(s)
            return s


EDGES = []   # (edge case, file, ids)


def edge(case, file, *ids):
    EDGES.append((case, file, ", ".join("`%s`" % i for i in ids)))
