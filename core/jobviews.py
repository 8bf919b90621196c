"""The page of a background job: a progress bar that polls the job's status, and the download
of its file when done. A job is shown to the user who started it (and to Admin)."""
import os

from flask import abort, jsonify, send_file
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from core.extensions import db
from core.jobs import DONE, Job, label_of
from core.security import ADMIN, current_user, has_role


def _own_job(job_id) -> Job:
    job = db.session.get(Job, job_id)
    user = current_user()
    if job is None or user is None or (job.created_by != user.username
                                       and not has_role(user, ADMIN)):
        abort(404)
    return job


class JobView(BaseView):
    route_base = "/jobs"
    default_view = "show"

    @expose("/<job_id>")
    @has_access
    @permission_name("status")
    def show(self, job_id):
        return self.render_template("job.html", job=_own_job(job_id), job_label=label_of)

    @expose("/<job_id>.json")
    @has_access
    @permission_name("status")
    def status(self, job_id):
        response = jsonify(_own_job(job_id).as_dict())
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<job_id>/download")
    @has_access
    @permission_name("status")
    def download(self, job_id):
        job = _own_job(job_id)
        if job.status != DONE or not job.result_path or not os.path.isfile(job.result_path):
            abort(404)
        return send_file(job.result_path, as_attachment=True, download_name=job.result_name)
