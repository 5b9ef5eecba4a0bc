from pathlib import Path

from setuptools import find_namespace_packages, setup

# requirements.txt is the single source of truth for runtime dependencies.
requirements = [
	line.strip()
	for line in Path(__file__).with_name("requirements.txt").read_text().splitlines()
	if line.strip() and not line.startswith("#")
]

setup(
	name="amazon_connector",
	version="0.1.0",
	description="Connects an Amazon seller account (Selling Partner API) to ERPNext",
	author="Amazon Connector developers",
	author_email="maintainers@example.com",
	license="MIT",
	license_files=["license.txt"],
	# Namespace discovery, so that the folders holding only data (the DocType folders' workspace,
	# public/js, the simulator's worlds) are packages too and their files ship with the rest; which
	# files those are is MANIFEST.in's job (include_package_data).
	packages=find_namespace_packages(
		include=["amazon_connector", "amazon_connector.*"], exclude=["*.__pycache__"]
	),
	zip_safe=False,
	include_package_data=True,
	install_requires=requirements,
	python_requires=">=3.10",
)
