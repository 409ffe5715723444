"""sample_readme.py - the blocks of samples/README.md that make_samples.py
rewrites: the counts, the edge-case table and the bad rows."""
from sample_base import EDGES, MISSING_ACCOUNT
from sample_cast import CUST


def readme_table():
    order = ["customers", "plans", "subscriptions", "invoices.csv", "invoice_line", "daily",
             "credit"]
    rank = lambda e: next(i for i, o in enumerate(order) if e[1].startswith(o))
    out = ["| edge case | file | ids |", "|---|---|---|"]
    for case, file, ids in sorted(EDGES, key=rank):
        out.append("| %s | %s | %s |" % (case.replace("|", "\\|"), file, ids))
    return "\n".join(out)


def replace_block(text, name, body):
    """text with what stands between <!-- name:begin --> and <!-- name:end --> replaced."""
    begin, end = "<!-- %s:begin -->" % name, "<!-- %s:end -->" % name
    if begin not in text or end not in text:
        return text
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + "\n" + body + "\n" + end + tail


def update_readme(path, bad, counts, distinct_invoices):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    ncust, nplans, nsubs, ninv, nlines, ndlir, nledger = counts
    words = {4: "four", 12: "Twelve", 14: "fourteen"}
    repeated = ninv - distinct_invoices
    text = replace_block(text, "counts", (
        "%s customers, %s plans, %s subscriptions, %d invoices\n(%d rows: %s), %d invoice "
        "lines, {:,} daily revenue rows and\n%d credit ledger entries, billed monthly from "
        "January to July 2024.").format(ndlir) % (
        words.get(ncust, str(ncust)), words.get(nplans, str(nplans)),
        words.get(nsubs, str(nsubs)), distinct_invoices, ninv,
        "one is repeated" if repeated == 1 else "%d are repeated" % repeated,
        nlines, nledger))
    bad_table = "\n".join([
        "| bad row | file | id | must produce |", "|---|---|---|---|",
        "| impossible invoice_date `2024-02-30T00:00:00Z` | invoices.csv | `%s` | billsync rejects it "
        "(conversion: not a date) |" % bad[0]["id"],
        "| unknown currency `ZZZ` | invoices.csv | `%s` | billsync rejects it (conversion: not an "
        "ISO 4217 code) |" % bad[1]["id"],
        "| email `not-an-email` | customers.csv | `%s` | Salesforce fails it: "
        "`INVALID_EMAIL_ADDRESS` |" % CUST["bad_email"]["id"],
        "| salesforce_account_id `%s` (no such Account) | customers.csv | `%s` | Salesforce fails it: "
        "`INVALID_CROSS_REFERENCE_KEY` |" % (MISSING_ACCOUNT, CUST["bad_account"]["id"]),
    ])
    text = replace_block(text, "edge-cases", readme_table() + "\n\n" + bad_table)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
