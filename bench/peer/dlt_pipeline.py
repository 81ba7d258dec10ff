"""The peer in bench/peer.ts: a dlt pipeline over the sandbox with dlt's generic REST API source,
configured for the streams bbetl extracts, into the same Postgres (its own schema).

Configuration (environment, set by bench/peer.ts):
  BBETL_PEER_API_URL    the sandbox's API 2.0 base URL
  BBETL_PEER_TOKEN      a client-credentials access token of the sandbox's OAuth consumer
  BBETL_PEER_DATASET    the Postgres schema dlt loads into
  BBETL_PEER_DIR        dlt's working folder (pipeline state, load packages)
  DATABASE_URL          the Postgres server

Prints one JSON line: dlt's version, rows loaded per table, seconds of pipeline.run, peak RSS.
"""

import json
import os
import resource
import time

import dlt
from dlt.sources.rest_api import rest_api_source

API_URL = os.environ["BBETL_PEER_API_URL"].rstrip("/")

# Lists under a repository by path template; lists under a project, pull request or pipeline by
# the parent's own links (absolute URLs), which carry its ids already URL-encoded.
REPO = "repositories/{resources.repositories.full_name}"
PULL_REQUEST_STATES = ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]


def child(name, path, pagelen=100, params=None):
    return {"name": name, "endpoint": {"path": path, "params": {"pagelen": pagelen, **(params or {})}}}


def source_config():
    return {
        "client": {
            "base_url": f"{API_URL}/",
            "auth": {"type": "bearer", "token": os.environ["BBETL_PEER_TOKEN"]},
            # Bitbucket pages by a `next` link in the JSON body.
            "paginator": {"type": "json_link", "next_url_path": "next"},
        },
        "resource_defaults": {
            "endpoint": {"data_selector": "values", "params": {"pagelen": 100}},
            "write_disposition": "append",
            # Transformers fetch their parents' children in a thread pool (bbetl: 4 repositories at once).
            "parallelized": True,
        },
        "resources": [
            {"name": "workspaces", "endpoint": {"path": "user/workspaces"}},
            child("members", "workspaces/{resources.workspaces.workspace.slug}/members"),
            child("permissions", "workspaces/{resources.workspaces.workspace.slug}/permissions"),
            child("projects", "workspaces/{resources.workspaces.workspace.slug}/projects"),
            child("project_group_permissions", "{resources.projects.links.self.href}/permissions-config/groups"),
            child("project_user_permissions", "{resources.projects.links.self.href}/permissions-config/users"),
            child("repositories", "repositories/{resources.workspaces.workspace.slug}"),
            child("branches", f"{REPO}/refs/branches"),
            child("commits", f"{REPO}/commits"),
            child("pullrequests", f"{REPO}/pullrequests", 50, {"state": PULL_REQUEST_STATES}),
            child("pr_activity", "{resources.pullrequests.links.activity.href}", 50),
            child("pr_comments", "{resources.pullrequests.links.comments.href}"),
            child("pr_commits", "{resources.pullrequests.links.commits.href}"),
            child("pr_tasks", "{resources.pullrequests.links.self.href}/tasks"),
            child("pipelines", f"{REPO}/pipelines"),
            child("pipeline_steps", "{resources.pipelines.links.steps.href}"),
            child("environments", f"{REPO}/environments"),
            child("deployments", f"{REPO}/deployments"),
        ],
    }


def main():
    source = rest_api_source(source_config())
    # Nested objects land as JSON columns, not child tables: raw JSON, as bbetl lands it.
    source.max_table_nesting = 0
    pipeline = dlt.pipeline(
        pipeline_name="bbetl_peer",
        pipelines_dir=os.environ["BBETL_PEER_DIR"],
        destination=dlt.destinations.postgres(os.environ["DATABASE_URL"]),
        dataset_name=os.environ["BBETL_PEER_DATASET"],
    )
    started = time.perf_counter()
    pipeline.run(source)
    seconds = time.perf_counter() - started
    row_counts = pipeline.last_trace.last_normalize_info.row_counts
    tables = {name: n for name, n in row_counts.items() if not name.startswith("_dlt")}
    print(
        json.dumps(
            {
                "dltVersion": dlt.__version__,
                "records": sum(tables.values()),
                "tables": tables,
                "seconds": round(seconds, 2),
                # Linux reports ru_maxrss in KiB.
                "peakRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
