/* refdata.c - the constant tables billsync-gen draws from (refdata.h). */
#include "refdata.h"

const struct currency currencies[] = {
	{ "USD", 2, 100 }, { "EUR", 2, 92 }, { "JPY", 0, 15000 }, { "BHD", 3, 38 }
};
const unsigned currency_weight[] = { 70, 17, 9, 4 };

const struct country countries[] = {
	{ "US", CUR_USD, "America/New_York", 0, "us_ein",
	  { "1 Main St", "500 Market St", "77 Massachusetts Ave" },
	  { "Springfield", "San Francisco", "Cambridge" }, { ", Inc.", " LLC", " Corp." } },
	{ "US", CUR_USD, "America/Los_Angeles", 0, "us_ein",
	  { "1600 Amphitheatre Pkwy", "10880 Malibu Point", "4120 Freidrich Ln" },
	  { "Mountain View", "Malibu", "Austin" }, { " Inc.", ", LLC", " Co." } },
	{ "FR", CUR_EUR, "Europe/Paris", 2000, "eu_vat",
	  { "29 Boulevard Haussmann", "8 Rue de la Paix", "12 Quai d'Orsay" },
	  { "Paris", "Lyon", "Marseille" }, { " SAS", " S.A.", " SARL" } },
	{ "DE", CUR_EUR, "Europe/Berlin", 1900, "eu_vat",
	  { "Königsallee 1", "Friedrichstraße 43", "Bahnhofstraße 12" },
	  { "Düsseldorf", "Berlin", "München" }, { " GmbH", " AG", " KG" } },
	{ "NL", CUR_EUR, "Europe/Amsterdam", 2100, "eu_vat",
	  { "Herengracht 182", "Coolsingel 40", "Stationsplein 1" },
	  { "Amsterdam", "Rotterdam", "Utrecht" }, { " B.V.", " N.V.", " B.V." } },
	{ "JP", CUR_JPY, "Asia/Tokyo", 1000, "jp_cn",
	  { "千代田区丸の内1-1-1", "港区六本木6-10-1", "中央区銀座4-6-16" },
	  { "東京都", "大阪府", "京都府" }, { "", "", "" } },
	{ "BH", CUR_BHD, "Asia/Bahrain", 1000, "bh_vat",
	  { "Building 1565, Road 1722", "Bab Al Bahrain Ave", "Seef District, Block 428" },
	  { "Manama", "Muharraq", "Riffa" }, { " W.L.L.", " B.S.C.", " W.L.L." } },
};

const char *const roots_ascii[] = {
	"Acme", "Globex", "Initech", "Hooli", "Vandelay", "Wayne", "Tyrell", "Cyberdyne",
	"Soylent", "Aperture", "Nakatomi", "Pied Piper", "Massive Dynamic", "Northwind",
	"Contoso", "Fabrikam", "Tailspin", "Litware", "Adventure Works", "Blue Yonder",
	"Proseware", "Wide World", "Wingtip", "Coho Vineyard", "Fourth Coffee",
	"Alpine Ski House", "Humongous", "Relecloud", "Trey Research", "Woodgrove", "Lucerne",
	"Southridge Video", "Dunder Mifflin", "Bluth", "Sterling Cooper", "Prestige Worldwide"
};
const char *const roots_eu[] = {
	"Société Générale", "Müller & Söhne", "Ångström Optik", "Øresund Logistik",
	"Café Lumière", "Zürcher Handels", "Bäckerei Schmidt", "Électricité du Nord",
	"Łódź Software", "Brasserie du Port", "Dvořák Audio", "Straßenbau Weber",
	"Groupe Rémy", "Van der Berg", "Fjällbacka Design", "Crème de la Crème"
};
const char *const roots_jp[] = {
	"株式会社サンプル", "株式会社ヤマダ", "サクラ工業株式会社", "株式会社フジ",
	"ミドリ商事株式会社", "株式会社アオイ", "東京テック株式会社", "Umbrella KK"
};
const char *const roots_bh[] = {
	"Gulf Trading Co.", "Manama Logistics", "Pearl Holdings", "Dilmun Tech", "Al Noor"
};
const char *const second_words[] = {
	"", "", "", " Labs", " Systems", " Analytics", " Logistics", " Robotics", " Health",
	" Media", " Capital", " Foods", " Energy", " Software", " Cloud", " Networks"
};
const char *const long_tail =
	" - Consolidated Holdings of the Greater Metropolitan Region,"
	" Accounts Payable Division";

const char *const memo_quirks[] = {
	"PO 7781, \"net 30\"",
	"Please remit to:\nAccounts Receivable, PO Box 1234, Springfield",
	"Paiement à 30 jours, TVA incluse",
	"お支払いは月末までにお願いします。",
	"Bezahlung innerhalb von 14 Tagen, ohne Abzug",
	"Ref: \"Q3 true-up\"; questions to ar@billing.example"
};
const char *const plan_memos[] = {
	"Thank you for your business.", "Net 30. Questions: billing@billing.example",
	"Merci pour votre confiance.", "ご利用ありがとうございます。"
};

const char *const accounts[] = {
	"001Hs00002abcdeIAA", "001Hs00002FgHiJIAV", "001Hs00002kLmNoIAK",
	"001Hs00002pQrStIAK", "001Hs00002uVwXyIAK"
};

const char *const providers[] = {
	"stripe_invoice", "stripe_charge", "quickbooks", "netsuite", "bill.com"
};
const unsigned provider_weight[] = { 45, 20, 10, 8, 5, 12 };

const char *const item_names[IT_COUNT] = {
	"Platform fee", "Seats", "Premium support (included)", "API calls",
	"Storage (GB-hours)", "Compute (minutes)", "Events ingested", "Professional services"
};
/* USD list price per unit or per period, scale 6 */
const int64_t item_usd6[IT_COUNT] = {
	49000000, 20000000, 0, 2000, 140, 45000, 300, 0
};

const char *const tier_names[] = { "Starter", "Growth", "Scale", "Enterprise" };
const int64_t tier_fee_usd[] = { 49, 199, 499, 1999 };

const char *const service_names[] = {
	"Implementation services", "Training workshop, 2 days", "Custom integration work",
	"Hardware pass-through", "Data migration (\"white glove\")"
};
