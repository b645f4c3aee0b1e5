/** What `changegate init` writes: a commented starter policy and a PR template. */
export const STARTER_POLICY = `# changegate policy. Read from the pull request's BASE branch: a PR that edits this
# file is judged by the version it tries to change. Reference: changegate's README.
version: 1
timezone: "UTC"                  # IANA zone for windows, traffic and dates without an offset

enforcement: "report"            # start by watching: checks are neutral and say what they
                                 # would decide; switch to "enforce" when you trust them
change_request:
  required: true                 # a PR without a change_request block fails changegate/risk
  environments: ["production"]   # environments whose schedule is gated

risk:
  defaults: { blast_radius: 2, reversibility: 2, confidence: 3, timing: 2 }
  rules:                         # raise scores from what the PR touches (paths OR labels)
    - name: "database migrations"
      paths: ["db/migrations/**"]
      set: { blast_radius: 4, reversibility: 4 }
  traffic:                       # the traffic class at merge time raises timing
    peak:     [{ days: [mon, tue, wed, thu, fri], from: "17:00", to: "21:00" }]
    business: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }]
    normal:   [{ days: [mon, tue, wed, thu, fri, sat, sun], from: "07:00", to: "23:00" }]

services: {}                     # e.g. payments: { paths: ["services/payments/**"] }

approvals:                       # per effective risk tier
  low:      { count: 1 }
  medium:   { count: 2 }
  high:     { count: 2, teams: [] }   # e.g. ["sre"]: one approver from each listed team
  critical: { count: 3, teams: [] }
  stale_on_push: true            # approvals of an older head commit don't count

standard_changes: {}             # pre-approved catalog, e.g.
                                 # scale-deployment: { paths: ["k8s/**/replicas.yaml"] }

windows:                         # when each type may merge: "always", "never" or slots
  standard: "always"
  normal:
    - { days: [tue, wed, thu], from: "02:00", to: "06:00" }
  emergency: "always"

blackouts: []                    # e.g. - { name: "Holidays", start: "2026-12-24T00:00", end: "2026-12-27T00:00" }

                                 # or repeating, from a calendar (each form also works under freezes):
                                 #    - { name: "Public holidays", holidays: { country: "DE", region: "BY" } }
                                 #    - { name: "Company calendar", ics: ".github/changegate-holidays.ics" }

freezes: []                      # e.g. - name: "End of quarter"
                                 #        start: "2026-03-28T00:00:00Z"
                                 #        end: "2026-04-02T00:00:00Z"
                                 #        exceptions: { labels: ["security-critical"], approvers: ["vp-engineering"] }
                                 # repeating (RFC 5545 rule, wall-clock time in timezone):
                                 #      - { name: "Friday afternoons", start: "2026-01-02T15:00", duration: "9h", rrule: "FREQ=WEEKLY;BYDAY=FR" }
                                 # after each matching GitHub release, and while an issue is open (the big red button):
                                 #      - { name: "After a major release", after_release: { tags: ["v*.0.0"], for: "48h" } }
                                 #      - { name: "Open incident", while_issues_open: { labels: ["incident"] } }

emergency:
  approvers: []                  # team slugs of incident commanders, e.g. ["incident-commanders"]
  retrospective: true            # open a retrospective issue when an emergency merges

audit:
  repository: ""                 # "" = this repository, or "owner/name" of a central audit repository
  branch: "changegate/audit"
`;

export const PULL_REQUEST_TEMPLATE = `## What and why

<!-- Describe the change. -->

## Change request

\`\`\`yaml
change_request:
  type:                  # standard | normal | emergency
  environment:           # default "production"
  services_affected: []
  risk:                  # 1 (low) .. 4 (critical); the policy's rules may raise these
    blast_radius:
    reversibility:
    confidence:
    timing:
  implementation_plan: |
  rollback_plan: |
  standard_change:       # standard changes: the catalog id
  incident:              # emergency changes: the incident id
\`\`\`
`;
