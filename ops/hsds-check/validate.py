#!/usr/bin/env python3
"""Validates every HSDS 3.0 response of a running Hub against the HSDS JSON schemas.

Usage: validate.py BASE_URL SCHEMA_DIR

Crawls every path of the OpenAPI description (SCHEMA_DIR/openapi.json) under
BASE_URL/hsds: each list with every parameter it lists (search, paging, full,
full_service, minimal, taxonomy_term_id, taxonomy_id, organization_id,
modified_after, postcode, proximity, top_only, parent_id, format=ndjson), then every
record of the demo by its id, in German and in Arabic. Each record is validated
against its schema (with the `$ref`s between the schema files resolved and formats
checked: uuid, email, uri, date-time), each page against the OpenAPI `Page`. Exits 1
and lists every violation when any is found.
"""

import json
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE, SCHEMAS = sys.argv[1].rstrip("/"), Path(sys.argv[2])
registry = Registry()
for f in SCHEMAS.glob("*.json"):
    if f.name != "openapi.json":
        registry = registry.with_resource(f.name, Resource(json.loads(f.read_text()), DRAFT202012))
openapi = json.loads((SCHEMAS / "openapi.json").read_text())
PAGE = openapi["components"]["schemas"]["Page"]
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER

problems = []
checked = {"records": 0, "pages": 0, "requests": 0}


def validator(name):
    schema = {"$ref": name}
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=FORMATS)


VALIDATORS = {n: validator(n) for n in [
    "organization.json", "service.json", "service_at_location.json", "location.json",
    "taxonomy.json", "taxonomy_term.json",
]}


def fetch(path, lang="de", expect=200):
    url = f"{BASE}{path}"
    req = urllib.request.Request(url, headers={"Accept-Language": lang})
    checked["requests"] += 1
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            body, status, ctype = res.read().decode(), res.status, res.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        body, status, ctype = e.read().decode(), e.code, e.headers.get("content-type", "")
    if status != expect:
        problems.append(f"{path}: status {status}, expected {expect}: {body[:300]}")
    return body, ctype


def check(schema, record, where):
    checked["records"] += 1
    for err in VALIDATORS[schema].iter_errors(record):
        loc = "/".join(str(p) for p in err.absolute_path)
        problems.append(f"{where} ({schema}) at /{loc}: {err.message}")


def check_service(s, where):
    check("service.json", s, where)
    # What HSDS nests in a service: each part against its own schema as well.
    if isinstance(s.get("organization"), dict):
        check("organization.json", s["organization"], where + " organization")
    for sal in s.get("service_at_locations", []):
        check("service_at_location.json", sal, where + " service_at_location")


def check_organization(o, where):
    check("organization.json", o, where)
    for s in o.get("services", []):
        check_service(s, where + " service")


def check_sal(sal, where, nested):
    check("service_at_location.json", sal, where)
    if nested:
        # The OpenAPI description answers /service_at_locations/{id} with the service
        # schema: the record satisfies both.
        check("service.json", sal, where + " as the OpenAPI response")
        check("location.json", sal["location"], where + " location")
        check_service(sal["service"], where + " service")


RECORD = {
    "organizations": check_organization,
    "services": check_service,
    "service_at_locations": lambda r, w: check_sal(r, w, "location" in r),
    "taxonomies": lambda r, w: check("taxonomy.json", r, w),
    "taxonomy_terms": lambda r, w: check("taxonomy_term.json", r, w),
}


def page(kind, params, lang="de"):
    """One page (validated as a Page and record by record); returns its contents."""
    path = f"/hsds/{kind}?{urllib.parse.urlencode(params)}" if params else f"/hsds/{kind}"
    body, _ = fetch(path, lang)
    try:
        doc = json.loads(body)
    except ValueError:
        problems.append(f"{path}: not JSON")
        return []
    checked["pages"] += 1
    for err in jsonschema.Draft202012Validator(PAGE).iter_errors(doc):
        problems.append(f"{path} (Page): {err.message}")
    for key in ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"]:
        if key not in doc:
            problems.append(f"{path}: no {key}")
    contents = doc.get("contents", [])
    if doc.get("size") != len(contents):
        problems.append(f"{path}: size {doc.get('size')} but {len(contents)} records")
    for i, r in enumerate(contents):
        if params.get("minimal"):
            if set(r) != {"id", "modified_date", "last_modified"}:
                problems.append(f"{path}[{i}]: minimal record has {sorted(r)}")
        else:
            RECORD[kind](r, f"{path}[{i}]")
    return contents


def every(kind, params, lang="de"):
    """Every record of a list, page by page, checked against its NDJSON stream."""
    out, n = [], 1
    while True:
        got = page(kind, {**params, "page": n, "per_page": 50}, lang)
        out += got
        if len(got) < 50:
            break
        n += 1
    body, ctype = fetch(f"/hsds/{kind}?{urllib.parse.urlencode({**params, 'format': 'ndjson'})}", lang)
    if "ndjson" not in ctype:
        problems.append(f"/hsds/{kind} format=ndjson: content type {ctype}")
    streamed = [json.loads(line) for line in body.splitlines() if line.strip()]
    if [r["id"] for r in streamed] != [r["id"] for r in out]:
        problems.append(f"/hsds/{kind} {params}: the NDJSON stream ({len(streamed)}) differs from the pages ({len(out)})")
    for i, r in enumerate(streamed):
        if not params.get("minimal"):
            RECORD[kind](r, f"/hsds/{kind} ndjson[{i}]")
    return out


def main():
    meta = json.loads(fetch("/hsds/")[0])
    if meta.get("version") != "3.0":
        problems.append(f"/hsds/: version {meta.get('version')}")
    spec = json.loads(fetch("/hsds/openapi.json")[0])
    if set(spec.get("paths", {})) != set(openapi["paths"]):
        problems.append("/hsds/openapi.json: other paths than the specification's")

    for lang in ["de", "ar"]:
        taxonomies = every("taxonomies", {}, lang)
        terms = every("taxonomy_terms", {}, lang)
        orgs = every("organizations", {"full": "true"}, lang)
        every("organizations", {"full_service": "true"}, lang)
        services = every("services", {"full": "true"}, lang)
        sals = every("service_at_locations", {"full": "true"}, lang)
    every("organizations", {}, "de")
    every("services", {}, "de")
    every("services", {"minimal": "true"}, "de")
    every("service_at_locations", {}, "de")
    if not (taxonomies and terms and orgs and services and sals):
        problems.append("an empty list: the demo network has records of every kind")

    # Every parameter of the description, on the paths that list it.
    org_id = orgs[0]["id"]
    term, taxonomy = terms[0]["id"], taxonomies[1]["id"]
    postcode = next(a["postal_code"] for s in sals for a in s["location"]["addresses"] if a.get("postal_code"))
    for params in [
        {"search": "beratung"}, {"taxonomy_term_id": term}, {"taxonomy_id": taxonomy},
        {"organization_id": org_id}, {"modified_after": "2020-01-01T00:00:00Z"}, {"full": "true", "search": "deutsch"},
    ]:
        every("services", params)
        every("service_at_locations", params)
    for params in [{"postcode": postcode}, {"postcode": postcode, "proximity": "2000", "full": "true"}]:
        every("service_at_locations", params)
    every("organizations", {"search": "verein"})
    every("taxonomies", {"search": "ziel"})
    for params in [{"taxonomy_id": taxonomy}, {"top_only": "true"}, {"parent_id": term}, {"search": "beratung"}]:
        every("taxonomy_terms", params)

    # Every record by its id, fully nested.
    for lang in ["de", "ar"]:
        for o in orgs:
            check_organization(json.loads(fetch(f"/hsds/organizations/{o['id']}", lang)[0]), f"organization {o['id']}")
            check_organization(json.loads(fetch(f"/hsds/organizations/{o['id']}?full_service=true", lang)[0]), f"organization {o['id']} full_service")
        for s in services:
            check_service(json.loads(fetch(f"/hsds/services/{s['id']}", lang)[0]), f"service {s['id']}")
        for sal in sals:
            check_sal(json.loads(fetch(f"/hsds/service_at_locations/{sal['id']}", lang)[0]), f"service_at_location {sal['id']}", True)
        for t in taxonomies:
            check("taxonomy.json", json.loads(fetch(f"/hsds/taxonomies/{t['id']}", lang)[0]), f"taxonomy {t['id']}")
        for t in terms:
            check("taxonomy_term.json", json.loads(fetch(f"/hsds/taxonomy_terms/{t['id']}", lang)[0]), f"term {t['id']}")
    fetch("/hsds/services/00000000-0000-4000-8000-000000000000", expect=404)
    fetch("/hsds/services?per_page=0", expect=400)

    print(f"HSDS check: {checked['requests']} requests, {checked['pages']} pages, {checked['records']} records validated "
          f"({len(orgs)} organizations, {len(services)} services, {len(sals)} services at locations, {len(terms)} taxonomy terms)")
    if problems:
        print(f"{len(problems)} problems:")
        for p in problems[:200]:
            print("  " + p)
        sys.exit(1)
    print("every response is valid HSDS 3.0")


main()
