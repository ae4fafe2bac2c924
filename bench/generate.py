#!/usr/bin/env python3
"""Generates a synthetic knowledge base of postmortems for benchmarks.

    python3 bench/generate.py --count 1000 --seed 42 --out DIR

writes DIR/hindsight.toml and DIR/content/*.md: postmortems of about a
thousand words each, in Hindsight's format (YAML front matter, Markdown
body), with every field of the format, a timeline table, five whys,
narrative, code fences and `[[INC-…]]` links to earlier postmortems.

The same count and seed give byte-identical files on any machine: only the
standard library is used, nothing depends on the clock, the locale or the
system's time-zone database (Europe/Paris summer time is computed here),
and every random choice comes from a seeded `random.Random`.

The files are plain YAML front matter, so Hugo reads them as they are
(see bench/hugo/).
"""

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from pathlib import Path

# Keep the repository clean when run from it: no __pycache__ in bench/.
sys.dont_write_bytecode = True

import snippets  # noqa: E402
import vocabulary as vocab  # noqa: E402

FIRST_DAY = dt.datetime(2021, 1, 4)
LAST_DAY = dt.datetime(2026, 11, 27)
# The "today" of the corpus: how old an incident is decides how many of
# its actions are done. Fixed, so output never depends on the clock.
CORPUS_TODAY = dt.date(2026, 11, 30)

SEVERITY_WEIGHTS = [("SEV1", 5), ("SEV2", 20), ("SEV3", 45), ("SEV4", 30)]
KIND_WEIGHTS = [("incident", 86), ("near-miss", 10), ("drill", 4)]


class Moment:
    """A point in time, kept in UTC and shown in UTC or Paris time."""

    def __init__(self, utc):
        self.utc = utc

    def shift_seconds(self, seconds):
        return Moment(self.utc + dt.timedelta(seconds=seconds))

    def offset_hours(self):
        return 2 if is_paris_summer(self.utc) else 1

    def local(self):
        return self.utc + dt.timedelta(hours=self.offset_hours())

    def iso_utc(self):
        return self.utc.strftime("%Y-%m-%dT%H:%M:%SZ")

    def local_clock(self):
        return self.local().strftime("%Y-%m-%d %H:%M")

    def compact(self):
        return self.utc.strftime("%Y%m%d%H%M%S")

    def front_matter(self, style):
        """The time as written in front matter: with an offset, in UTC,
        or without a zone (the site's Europe/Paris applies)."""
        if style == "utc":
            return self.iso_utc()
        local = self.local().strftime("%Y-%m-%dT%H:%M:%S")
        if style == "naive":
            return local
        return f"{local}+0{self.offset_hours()}:00"


def last_sunday(year, month):
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def is_paris_summer(utc):
    """EU rule: summer time from 01:00 UTC on the last Sunday of March to
    01:00 UTC on the last Sunday of October."""
    begins = dt.datetime.combine(last_sunday(utc.year, 3), dt.time(1))
    ends = dt.datetime.combine(last_sunday(utc.year, 10), dt.time(1))
    return begins <= utc < ends


def is_transition_day(local_date):
    """Local wall times are ambiguous or missing on these two days."""
    year = local_date.year
    return local_date in (last_sunday(year, 3), last_sunday(year, 10))


# ---------------------------------------------------------------------------
# YAML output

SPECIAL_SCALAR = re.compile(
    r"^(?:~|null|true|false|y|n|yes|no|on|off"
    r"|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.inf|\.nan|0x[0-9a-f]+|0o[0-7]+|\d{4}-\d\d?-\d\d?.*)$",
    re.IGNORECASE,
)


def yaml_text(text, flow=False):
    """A string as a YAML scalar: plain when that reads back as the same
    string, double-quoted (JSON escaping is valid YAML) otherwise."""
    needs_quotes = (
        not text
        or text != text.strip()
        or text[0] in "-?:,[]{}#&*!|>'\"%@`"
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or "\n" in text
        or "\t" in text
        or SPECIAL_SCALAR.match(text) is not None
        or (flow and any(c in text for c in ",[]{}"))
    )
    return json.dumps(text, ensure_ascii=False) if needs_quotes else text


def yaml_flow_list(items):
    return "[" + ", ".join(yaml_text(i, flow=True) for i in items) + "]"


def yaml_value(value):
    """Numbers and booleans as such; dates and texts as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return yaml_flow_list(value)
    return yaml_text(value, flow=True)


# ---------------------------------------------------------------------------
# The people, services and places of the fictional company

class Company:
    """Everything shared by all postmortems of one corpus."""

    def __init__(self, rng, seed):
        self.seed = seed
        self.names = {}
        self.services = [(svc, team, family)
                         for team, owned in vocab.TEAMS.items()
                         for svc, family in owned]
        self.teams = list(vocab.TEAMS)
        self.people = []
        for first in vocab.FIRST_NAMES:
            for last in rng.sample(vocab.LAST_NAMES, 2):
                self.people.append((first, last))
        # Each team has a few regular postmortem authors.
        self.members = {team: rng.sample(self.people, 6) for team in self.teams}
        self.org_of_team = {team: rng.choices(vocab.ORGANIZATIONS, [6, 2, 1, 1, 1])[0]
                            for team in self.teams}

    def rare_name(self, rng):
        """A made-up proper name. Names are numbered and drawn with a
        heavy tail, so a few recur across the corpus and most are rare,
        and a bigger corpus keeps meeting new ones, as real text does."""
        number = int(rng.paretovariate(0.15))
        if number not in self.names:
            own = random.Random(f"{self.seed}:name:{number}")
            parts = [own.choice(vocab.SYLLABLES) for _ in range(own.randint(2, 4))]
            self.names[number] = "".join(parts).capitalize()
        return self.names[number]

    def services_of(self, families):
        chosen = [s for s in self.services if s[2] in families]
        return chosen or self.services


def handle(person):
    first, last = person
    return f"{first[0]}{last}"


def display(person):
    return person[0].capitalize()


# ---------------------------------------------------------------------------
# One postmortem's story: the facts every sentence draws on

class Story:
    """The facts of one incident and a slot filler for templates."""

    def __init__(self, rng, company, plan):
        self.rng = rng
        self.company = company
        self.scenario = plan.scenario
        svc, team, _ = rng.choice(company.services_of(self.scenario["families"]))
        others = [s for s in company.services if s[1] != team]
        svc2, team2, _ = rng.choice(others)
        self.svc, self.team, self.svc2, self.team2 = svc, team, svc2, team2
        self.namespace = team
        self.region = rng.choice(vocab.REGIONS)
        self.hosts = [f"{svc}-{rng.choice('abc')}{rng.randint(1, 40):02d}.{self.region}"
                      for _ in range(3)]
        self.metric = rng.choice(vocab.METRICS)
        self.audience = rng.choice(vocab.AUDIENCES)
        crew = company.members[team] + company.members[team2]
        self.responders = rng.sample(crew, 4)
        self.author = handle(self.responders[0])
        self.start, self.detected, self.end = plan.start, plan.detected, plan.end
        self.organization = company.org_of_team[team]
        self.used = set()
        self.fixed = {
            "svc": svc, "svc2": svc2, "team": team, "team2": team2,
            "region": self.region, "metric": self.metric, "aud": self.audience,
            "sev": plan.severity,
            "city": rng.choice(vocab.CITIES),
            "customer": company.rare_name(rng) + " " + rng.choice(vocab.CUSTOMER_KINDS),
            "codename": company.rare_name(rng),
            "lib": rng.choice(vocab.SOFTWARE),
        }
        # Scenario phrases hold slots themselves, so fill them once here.
        self.fixed["symptom"] = self.fill(rng.choice(self.scenario["symptoms"]))
        self.fixed["cause"] = self.fill(rng.choice(self.scenario["causes"]))
        self.fixed["fix"] = self.fill(rng.choice(self.scenario["fixes"]))

    def hex(self, length):
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def fill(self, template):
        """`template` with its slots filled; `{Slot}` is capitalised."""
        return template.format_map(Slots(self))

    def moment_between(self):
        span = max(60, int((self.end.utc - self.start.utc).total_seconds()))
        return self.start.shift_seconds(self.rng.randint(0, span))

    def clock_between(self):
        return self.moment_between().local().strftime("%H:%M")


class Slots(dict):
    """Slot values for `str.format_map`: fixed facts of the story, or a
    fresh random pick each time a varying slot is used."""

    def __init__(self, story):
        super().__init__(story.fixed)
        self.story = story

    def __missing__(self, key):
        if key[0].isupper():
            value = self[key[0].lower() + key[1:]]
            return value[0].upper() + value[1:]
        rng, story = self.story.rng, self.story
        varying = {
            "adv": lambda: rng.choice(vocab.ADVERBS),
            "adj": lambda: rng.choice(vocab.ADJECTIVES),
            "thing": lambda: rng.choice(vocab.THINGS),
            "thing2": lambda: rng.choice(vocab.THINGS),
            "tool": lambda: rng.choice(vocab.TOOLS),
            "role": lambda: rng.choice(vocab.ROLES),
            "person": lambda: display(story.responders[rng.randrange(2)]),
            "person2": lambda: display(story.responders[2 + rng.randrange(2)]),
            "host": lambda: rng.choice(story.hosts),
            "n": lambda: str(rng.randint(2, 99)),
            "rps": lambda: f"{rng.randint(2, 90) * 100:,}",
            "months": lambda: str(rng.randint(4, 40)),
            "pct": lambda: rng.choice(["99.5", "99.9", "99.95", "99.99"]),
            "dur": lambda: duration_words(rng.choice([3, 5, 8, 12, 15, 20, 25, 40, 55, 90])),
            "time": story.clock_between,
            "day": lambda: rng.choice(vocab.DAYS),
            "ordinal": lambda: rng.choice(vocab.ORDINALS),
            "mitigate": lambda: rng.choice(vocab.MITIGATE),
            "hex": lambda: story.hex(12),
            "city2": lambda: rng.choice(vocab.CITIES),
            "errcode": lambda: rng.choice(vocab.ERROR_CODES),
            "project": lambda: story.company.rare_name(rng),
            "client": lambda: story.company.rare_name(rng) + " " + rng.choice(vocab.CUSTOMER_KINDS),
        }
        if key not in varying:
            raise KeyError(f"template slot {{{key}}} is not known")
        return varying[key]()


def duration_words(minutes):
    if minutes < 60:
        return f"{minutes} minutes"
    hours, rest = divmod(minutes, 60)
    head = "an hour" if hours == 1 else f"{hours} hours"
    return head if rest == 0 else f"{head} and {rest} minutes"


def duration_between(a, b):
    minutes = round((b.utc - a.utc).total_seconds() / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:.0f} hours"
    return f"{hours / 24:.0f} days"


# ---------------------------------------------------------------------------
# The corpus plan: dates, ids, kinds and statuses, decided up front so that
# links only ever point at postmortems that exist and are published

class Plan:
    """What is decided about a postmortem before its text is written."""

    def __init__(self, index, start):
        self.index = index
        self.start = start
        self.detected = self.end = start
        self.id = ""
        self.file = ""
        self.kind = "incident"
        self.status = "published"
        self.severity = "SEV3"
        self.scenario = None


def plan_corpus(rng, count):
    """Start times over six years (more incidents in later years, as a
    company grows), then ids, kinds, statuses, severities and durations."""
    span = (LAST_DAY - FIRST_DAY).total_seconds()
    starts = []
    for _ in range(count):
        share = rng.random() ** 0.75
        moment = FIRST_DAY + dt.timedelta(seconds=int(share * span))
        # Incidents cluster in working hours and deploy windows.
        hour = rng.choices(range(24), [1, 1, 2, 2, 1, 1, 2, 3, 5, 7, 8, 8,
                                       6, 7, 8, 8, 7, 5, 4, 3, 2, 2, 1, 1])[0]
        moment = moment.replace(hour=hour, minute=rng.randrange(60), second=0)
        starts.append(moment)
    starts.sort()

    plans, next_number, names = [], {}, set()
    for index, start_utc in enumerate(starts):
        plan = Plan(index, Moment(start_utc))
        year = plan.start.local().year
        next_number[year] = next_number.get(year, 0) + rng.choice([1, 1, 1, 2, 3])
        plan.id = f"INC-{year}-{next_number[year]:05d}"
        plan.scenario = rng.choice(vocab.SCENARIOS)
        plan.kind = weighted(rng, KIND_WEIGHTS)
        plan.severity = weighted(rng, SEVERITY_WEIGHTS)
        if plan.kind != "incident" and plan.severity in ("SEV1", "SEV2"):
            plan.severity = rng.choice(["SEV3", "SEV4"])
        plan.status = pick_status(rng, plan.start)
        time_durations(rng, plan)
        plan.file = unique_file_name(plan, names)
        plans.append(plan)
    return plans


def weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def pick_status(rng, start):
    """Recent postmortems are more often still in draft or review."""
    age = (CORPUS_TODAY - start.local().date()).days
    if age < 45:
        return weighted(rng, [("published", 40), ("review", 30), ("draft", 30)])
    return weighted(rng, [("published", 95), ("review", 3), ("draft", 2)])


def time_durations(rng, plan):
    """Skewed durations: most incidents are found in minutes and fixed in
    an hour or two; a few drag on for days."""
    to_detect = min(rng.lognormvariate(2.1, 1.0), 2 * 24 * 60)
    to_resolve = min(max(rng.lognormvariate(3.9, 1.1), 3), 5 * 24 * 60)
    if plan.kind == "drill":
        to_detect = rng.uniform(0, 4)
    plan.detected = plan.start.shift_seconds(int(to_detect * 60))
    plan.end = plan.detected.shift_seconds(int(to_resolve * 60))


def unique_file_name(plan, names):
    svc_hint = plan.scenario["key"]
    base = f"{plan.start.local().date().isoformat()}-{svc_hint}"
    name, n = f"{base}.md", 2
    while name in names:
        name, n = f"{base}-{n}.md", n + 1
    names.add(name)
    return name


# ---------------------------------------------------------------------------
# Front matter

def title_of(rng, story, plan):
    title = story.fill(rng.choice(story.scenario["titles"]))
    if plan.kind == "near-miss":
        return "Near miss: " + title[0].lower() + title[1:]
    if plan.kind == "drill":
        return rng.choice(["Game day: ", "Drill: ", "Exercise: "]) + title[0].lower() + title[1:]
    return title


def summary_of(rng, story, plan):
    minutes = duration_between(plan.start, plan.end)
    if plan.kind == "drill":
        lead = f"A planned exercise on `{story.svc}` rehearsed this failure: {story.fixed['symptom']}."
    elif plan.kind == "near-miss":
        lead = f"We caught this before {story.audience} were affected: {story.fixed['symptom']}."
    else:
        lead = f"For {minutes}, {story.fixed['symptom']}."
    cause = story.fixed["cause"]
    cause = cause[0].lower() + cause[1:]
    tail = rng.choice([f" The root cause: {cause}.",
                       f" *In short*, {cause}.",
                       f" We {story.fixed['fix']}."])
    return lead + tail


def impact_of(rng, story, plan):
    if plan.kind == "drill":
        return f"None outside the exercise; {story.svc} ran on reduced capacity for {duration_between(plan.start, plan.end)} as planned."
    if plan.kind == "near-miss":
        return f"No customer impact. Had it gone unnoticed, {story.audience} would have been affected within hours."
    share = rng.choice([3, 5, 8, 12, 20, 35, 50, 80, 100])
    extra = rng.choice([
        f" Roughly {rng.randint(2, 400) * 10:,} requests failed.",
        f" Support received {rng.randint(3, 300)} tickets.",
        story.fill(" Among those affected were {customer}, {client} and {client}."),
        story.fill(" The largest affected accounts were {client} and {customer}."),
        f" About {rng.randint(1, 90)} orders had to be reconciled by hand.",
        f" The {story.metric} stayed out of its objective for the whole window.",
        "",
    ])
    return (f"About {share}% of {story.audience} using {story.svc} were affected for "
            f"{duration_between(plan.start, plan.end)}.{extra}")


def root_causes_of(rng, story):
    scenario = story.scenario
    first = {"cause": story.fixed["cause"], "category": scenario["category"]}
    if rng.random() < 0.45:
        chain = vocab.WHY_CHAINS[scenario["category"]]
        steps = chain[: rng.randint(3, 5)]
        first["whys"] = [story.fill(f"{q} {a}") for q, a in steps]
    causes = [first]
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        other = rng.choice(vocab.SCENARIOS)
        text = story.fill(rng.choice(other["causes"]))
        if rng.random() < 0.4:
            causes.append(text)
        else:
            causes.append({"cause": text, "category": rng.choice(vocab.CATEGORIES)})
    return causes


def actions_of(rng, story, plan):
    age = (CORPUS_TODAY - plan.start.local().date()).days
    if age > 365:
        weights = [("done", 62), ("wont_do", 10), ("open", 12), ("in_progress", 8), ("blocked", 8)]
    else:
        weights = [("open", 38), ("in_progress", 30), ("blocked", 10), ("done", 17), ("wont_do", 5)]
    texts = [story.fill(t) for t in story.scenario["actions"]]
    texts += [story.fill(t) for t in rng.sample(vocab.ACTIONS_GENERIC, 4)]
    actions = []
    for text in texts[: rng.randint(2, 6)]:
        if rng.random() < 0.08:
            actions.append(text)
            continue
        action = {"action": text}
        if rng.random() < 0.92:
            action["owner"] = rng.choice([story.team, story.team, story.team2, story.author])
        action["status"] = weighted(rng, weights)
        if rng.random() < 0.9:
            action["due"] = plan.start.local().date() + dt.timedelta(days=rng.randint(7, 150))
        if rng.random() < 0.85:
            action["ticket"] = f"{rng.choice(vocab.TICKET_PROJECTS)}-{rng.randint(100, 9999)}"
        if action["status"] == "done" and rng.random() < 0.3:
            action["gate"] = f"{story.svc}-{rng.choice(['lint', 'canary-check', 'soak-test', 'restore-test', 'contract-test'])}"
        actions.append(action)
    return actions


def tags_of(rng, story, plan):
    pool = list(story.scenario["tags"])
    pool += rng.sample(vocab.TAGS_COMMON, 3)
    if rng.random() < 0.3:
        pool.append(rng.choice(vocab.TAGS_AWKWARD))
    if plan.kind == "drill":
        pool.insert(0, "drill")
    chosen, seen = [], set()
    for tag in rng.sample(pool, len(pool)):
        if tag.lower() not in seen:
            seen.add(tag.lower())
            chosen.append(tag)
    return chosen[: rng.randint(2, 6)]


def sources_of(rng, story, plan):
    sources = [f"https://chat.example.com/archive/{plan.id.lower()}"]
    if rng.random() < 0.6:
        sources.append(f"https://grafana.example.com/d/{story.hex(8)}/{story.svc}")
    if rng.random() < 0.4:
        sources.append(story.fill("https://wiki.example.com/{project}/incident-notes"))
    if rng.random() < 0.7:
        sources.append(f"{rng.choice(vocab.TICKET_PROJECTS)}-{rng.randint(100, 9999)}")
    return sources


def extra_of(rng, story, plan):
    extra = {}
    if plan.kind == "incident" and rng.random() < 0.6:
        extra["cost_eur"] = rng.randint(1, 400) * 250
    if rng.random() < 0.4:
        extra["customer_tickets"] = rng.randint(0, 300)
    if rng.random() < 0.3:
        extra["slo_budget_burned_pct"] = round(rng.uniform(0.5, 90.0), 1)
    if rng.random() < 0.3:
        extra["review_meeting"] = plan.end.local().date() + dt.timedelta(days=rng.randint(1, 10))
    if rng.random() < 0.1:
        extra["regions"] = sorted(rng.sample(vocab.REGIONS, 2))
    return extra


def front_matter(rng, story, plan, links):
    """The YAML block, as lines, fields in the order the format lists them."""
    times = rng.choices(["offset", "utc", "naive"], [80, 10, 10])[0]
    moments = (plan.start, plan.detected, plan.end)
    if times == "naive" and any(is_transition_day(m.local().date()) for m in moments):
        times = "offset"
    services = [story.svc] + ([story.svc2] if rng.random() < 0.6 else [])
    if rng.random() < 0.2:
        services.append(rng.choice([s for s, _, _ in story.company.services if s not in services]))
    teams = [story.team] + ([story.team2] if rng.random() < 0.4 else [])
    authors = [story.author] + ([handle(story.responders[2])] if rng.random() < 0.3 else [])
    severity = plan.severity if rng.random() > 0.02 else plan.severity.lower()

    out = [f"title: {yaml_text(story.title)}", f"id: {plan.id}"]
    if rng.random() > 0.03:
        out.append(f"date: {plan.start.local().date().isoformat()}")
    out += [
        f"start_time: {plan.start.front_matter(times)}",
        f"detected_at: {plan.detected.front_matter(times)}",
        f"end_time: {plan.end.front_matter(times)}",
        f"severity: {severity}",
        f"status: {plan.status}",
        f"kind: {plan.kind}",
        f"summary: {yaml_text(summary_of(rng, story, plan))}",
        f"services: {yaml_flow_list(services)}",
        f"teams: {yaml_flow_list(teams)}",
        f"organization: {yaml_text(story.organization)}",
        f"tags: {yaml_flow_list(tags_of(rng, story, plan))}",
        f"authors: {yaml_flow_list(authors)}",
        f"impact: {yaml_text(impact_of(rng, story, plan))}",
        f"detection: {yaml_text(story.fill(rng.choice(vocab.DETECTIONS)))}",
        "response_actions:",
    ]
    # In the order they happened: templates keep the list's order, and
    # their times are drawn first and sorted.
    steps = ordered_sample(rng, vocab.RESPONSES, rng.randint(2, 5))
    moments = sorted((story.moment_between() for _ in steps), key=lambda m: m.utc)
    clocks = [m.local().strftime("%H:%M") for m in moments]
    for step, clock in zip(steps, clocks):
        out.append(f"  - {yaml_text(story.fill(step.replace('{time}', clock)))}")
    out.append(f"trigger: {story.scenario['trigger']}")
    out += block_items("root_causes", root_causes_of(rng, story))
    out.append("contributing_factors:")
    for line in rng.sample(vocab.CONTRIBUTING, rng.randint(1, 4)):
        out.append(f"  - {yaml_text(story.fill(line))}")
    lessons = rng.sample(story.scenario["lessons"], rng.randint(1, 2))
    lessons += rng.sample(vocab.LESSONS_GENERIC, rng.randint(0, 2))
    out.append("lessons_learned:")
    out += [f"  - {yaml_text(story.fill(lesson))}" for lesson in lessons]
    out += block_items("improvement_actions", actions_of(rng, story, plan))
    if links.related:
        out.append(f"related: {yaml_flow_list(links.related)}")
    out.append(f"sources: {yaml_flow_list(sources_of(rng, story, plan))}")
    extra = extra_of(rng, story, plan)
    if extra:
        pairs = ", ".join(f"{k}: {yaml_value(v)}" for k, v in extra.items())
        out.append(f"extra: {{{pairs}}}")
    return out


def block_items(key, items):
    """A block list whose items are texts or small maps."""
    out = [f"{key}:"]
    for item in items:
        if isinstance(item, str):
            out.append(f"  - {yaml_text(item)}")
            continue
        lead = "  - "
        for field, value in item.items():
            if isinstance(value, list):
                out.append(f"{lead}{field}:")
                out += [f"      - {yaml_text(v)}" for v in value]
            else:
                out.append(f"{lead}{field}: {yaml_value(value)}")
            lead = "    "
    return out


# ---------------------------------------------------------------------------
# Body

def paragraph(rng, story, pools, count):
    """`count` sentences from the pools, none used twice in one file."""
    sentences = []
    for _ in range(count):
        pool = rng.choice(pools)
        template = rng.choice(pool)
        for _ in range(6):
            if template not in story.used:
                break
            template = rng.choice(pool)
        story.used.add(template)
        sentences.append(story.fill(template))
    return " ".join(sentences)


def timeline(rng, story, plan):
    """Rows of (moment, event) from the change that started it to the end:
    triage events, then the scenario's mitigation, then recovery events,
    each group in its natural order."""
    events = [story.fill(e) for e in story.scenario["events"]]
    rows = []
    if story.scenario["trigger"] in ("deploy", "config-push", "data-migration", "human-error"):
        rows.append((plan.start.shift_seconds(-60 * rng.randint(2, 90)), events[0]))
        rows.append((plan.start, events[1]))
    else:
        rows.append((plan.start, events[0]))
    rows.append((plan.detected, story.fill(rng.choice(TIMELINE_DETECTION))))
    span = max(600, int((plan.end.utc - plan.detected.utc).total_seconds()))
    triage = ordered_sample(rng, TIMELINE_TRIAGE, rng.randint(2, 5))
    recovery = ordered_sample(rng, TIMELINE_RECOVERY, rng.randint(1, 3))
    spread(rng, rows, plan.detected, triage, 60, int(span * 0.6), story)
    rows.append((plan.detected.shift_seconds(int(span * rng.uniform(0.6, 0.75))), events[2]))
    spread(rng, rows, plan.detected, recovery, int(span * 0.76), span - 60, story)
    rows.append((plan.end, events[3] if len(events) > 3 else "Incident closed"))
    return rows


def ordered_sample(rng, pool, count):
    return [pool[i] for i in sorted(rng.sample(range(len(pool)), count))]


def spread(rng, rows, origin, templates, low, high, story):
    offsets = sorted(rng.randint(low, max(low, high)) for _ in templates)
    for offset, template in zip(offsets, templates):
        rows.append((origin.shift_seconds(offset), story.fill(template)))


TIMELINE_DETECTION = [
    "Alert on {metric} fires; {person} acknowledges the page",
    "Support escalates tickets from {aud}",
    "Synthetic probe from {region} fails three checks in a row",
    "{Person} notices the {metric} graph during a deploy",
    "SLO burn-rate alert pages the {team} on-call",
]

TIMELINE_TRIAGE = [
    "{Person} declares a {sev} and opens the incident channel",
    "Status page updated: investigating",
    "{team2} on-call paged for {svc2}",
    "First hypothesis ({svc2}) ruled out",
    "{Person2} joins as {role}",
    "{tool} output shared in the channel",
    "Deploys to {svc} frozen",
    "Status page updated: identified",
]

TIMELINE_RECOVERY = [
    "Mitigation verified in {region}",
    "Error rate falling in {region}",
    "Status page updated: monitoring",
    "Customer communication sent to {aud}",
    "Hand-over to the next on-call shift",
    "{customer} confirms their traffic is flowing again",
]


def timeline_table(rows, start, style):
    zone = "UTC" if style == "utc" else "Paris time (CET/CEST)"
    lines = [f"All times {zone}.", "", "| Time | Event |", "|------|-------|"]
    first_day = start.local().date() if style != "utc" else start.utc.date()
    for moment, event in rows:
        when = moment.utc if style == "utc" else moment.local()
        clock = when.strftime("%H:%M") if when.date() == first_day else when.strftime("%Y-%m-%d %H:%M")
        lines.append(f"| {clock} | {event.replace('|', '/')} |")
    return lines


def five_whys(story):
    chain = vocab.WHY_CHAINS[story.scenario["category"]]
    return [f"{i}. **{story.fill(q)}** {story.fill(a)}" for i, (q, a) in enumerate(chain, 1)]


def fence(rng, story, language):
    return ["```" + language, snippets.write(rng, story, language), "```"]


def cross_link_sentences(rng, story, links):
    out = []
    for target in links.mentions:
        form = rng.randrange(4)
        if form == 0:
            out.append(f"A similar failure is described in [[{target.id}]].")
        elif form == 1:
            out.append(f"Compare the timeline of [[{target.id}#timeline]], which followed the same pattern.")
        elif form == 2:
            out.append(f"The follow-up from [[{target.id}]] would have shortened this one, had it been finished.")
        else:
            out.append(f"The five whys of [the earlier postmortem]({target.file}#five-whys) reached a similar answer.")
    return out


def body(rng, story, plan, links, style):
    """The Markdown after the front matter."""
    b = []
    b += ["## Summary", "", paragraph(rng, story, [vocab.ONSET, vocab.CONTEXT, vocab.MITIGATION], 3), ""]
    b += ["## Timeline", ""] + timeline_table(timeline(rng, story, plan), plan.start, style) + [""]
    b += ["## What happened", ""]
    b += [paragraph(rng, story, [vocab.CONTEXT, vocab.DETAIL], rng.randint(3, 4)), ""]
    b += [paragraph(rng, story, [vocab.ONSET, vocab.INVESTIGATION], rng.randint(3, 5)), ""]
    languages = [rng.choice(story.scenario["langs"])]
    if rng.random() < 0.5:
        languages.append(rng.choice([l for l in snippets.LANGUAGES if l != languages[0]]))
    b += fence(rng, story, languages[0]) + [""]
    b += [paragraph(rng, story, [vocab.INVESTIGATION, vocab.MITIGATION, vocab.DETAIL],
                    rng.randint(3, 5)), ""]
    b += ["## Five whys", ""] + five_whys(story) + [""]
    b += ["## Detection and response", ""]
    b += [story.fill(rng.choice(vocab.DETECTIONS)) + " "
          + paragraph(rng, story, [vocab.INVESTIGATION, vocab.MITIGATION], rng.randint(2, 3)), ""]
    b += ["## What went well", ""]
    b += [f"- {story.fill(t)}" for t in rng.sample(vocab.WENT_WELL, rng.randint(2, 3))] + [""]
    b += ["## What went badly", ""]
    b += [f"- {story.fill(t)}" for t in rng.sample(vocab.WENT_BADLY, rng.randint(2, 3))] + [""]
    b += ["## Follow-up", ""]
    follow = [story.fill(t) for t in rng.sample(vocab.REFLECTION, rng.randint(2, 3))]
    follow += cross_link_sentences(rng, story, links)
    b += [" ".join(follow), ""]
    if len(languages) > 1:
        b += [f"For reference, the {languages[1]} below is what we looked at last.", ""]
        b += fence(rng, story, languages[1]) + [""]
    return b


# ---------------------------------------------------------------------------
# Links between postmortems: only to earlier, published ones

class Links:
    """What one postmortem points at: `related` ids and body mentions."""

    def __init__(self):
        self.related = []
        self.mentions = []


def pick_links(rng, plan, earlier, by_scenario):
    """Related ids and mentions, preferring the same failure mode.

    Drafts get no page, so a link to one would be a broken link; only
    postmortems published (or in review) before this one are candidates.
    """
    links = Links()
    if not earlier:
        return links
    same = by_scenario.get(plan.scenario["key"], [])

    def choose():
        if same and rng.random() < 0.7:
            return same[-1 - min(len(same) - 1, int(rng.expovariate(0.3)))]
        return earlier[rng.randrange(len(earlier))]
    if rng.random() < 0.45:
        picked = {choose().id: None for _ in range(rng.randint(1, 3))}
        links.related = list(picked)
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        target = choose()
        if all(target.id != t.id for t in links.mentions):
            links.mentions.append(target)
    return links


# ---------------------------------------------------------------------------
# Output

SETTINGS = """\
# Benchmark corpus written by bench/generate.py (count {count}, seed {seed}).
# Every company, person, service and ticket in it is fictional.
title = "Example Corp postmortems (benchmark corpus)"
description = "{count} generated postmortems for measuring build time and output size."
timezone = "Europe/Paris"
severities = ["SEV1", "SEV2", "SEV3", "SEV4"]
triggers = [{triggers}]
root_cause_categories = [{categories}]
"""


def toml_list(items):
    return ", ".join(f'"{item}"' for item in items)


def write_corpus(count, seed, out):
    rng = random.Random(seed)
    company = Company(rng, seed)
    plans = plan_corpus(rng, count)
    content = out / "content"
    content.mkdir(parents=True)
    settings = SETTINGS.format(count=count, seed=seed, triggers=toml_list(vocab.TRIGGERS),
                               categories=toml_list(vocab.CATEGORIES))
    (out / "hindsight.toml").write_text(settings, encoding="utf-8")

    earlier, by_scenario = [], {}
    for plan in plans:
        # One random source per postmortem: a change to how one file is
        # written does not reshuffle every file after it.
        doc_rng = random.Random(seed * 1_000_003 + plan.index)
        text = render(doc_rng, company, plan, pick_links(doc_rng, plan, earlier, by_scenario))
        (content / plan.file).write_text(text, encoding="utf-8", newline="\n")
        if plan.status != "draft":
            earlier.append(plan)
            by_scenario.setdefault(plan.scenario["key"], []).append(plan)


def render(rng, company, plan, links):
    story = Story(rng, company, plan)
    story.title = title_of(rng, story, plan)
    front = front_matter(rng, story, plan, links)
    style = "utc" if any(l.startswith("start_time:") and l.endswith("Z") for l in front) else "local"
    lines = ["---"] + front + ["---", ""] + body(rng, story, plan, links, style)
    while lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="how many postmortems")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing DIR/content and DIR/hindsight.toml")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    content = args.out / "content"
    if content.exists():
        if not args.force:
            parser.error(f"{content} already exists; pass --force to replace it")
        shutil.rmtree(content)
    write_corpus(args.count, args.seed, args.out)
    print(f"wrote {args.count} postmortems to {content}")


if __name__ == "__main__":
    main()
